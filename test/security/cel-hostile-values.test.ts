import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { cli, workspace } from "./support.js";

/**
 * Manifest values reach ListRuns and ListAssets filters (`client_key in [...]`,
 * `name in [...]`), evaluated by a real CEL library in the emulator. Whatever the value, it
 * must match exactly its own record: never widen the filter, never break it, never pair a
 * manifest run with another run.
 */
const HOSTILE = [
  "x' || true || 'y",
  'x" || true || "y',
  "') || (true",
  "a', 'b",
  "]",
  ")",
  "\\",
  "\\'",
  "a\\b",
  "\\u0027",
  "\\x27",
  "\\047",
  "\\n",
  "it's",
  'say "hi"',
  "'''",
  "client_key",
  "true",
  "*",
  "%27",
  "&filter=x",
  "#frag",
  "a+b c",
  "é✓😀",
  "\u202eevil",
  "zero\u200bwidth",
  "line\u2028sep",
  "x".repeat(300),
];
/** Runs a broken filter could match instead: parts and neighbours of the hostile keys. */
const DECOYS = ["x", "y", "a", "b", "it", "'", '"', "x' ", "u0027", "other", "evil", "true "];
const ASSET_NAMES = HOSTILE;
/** Asset names are stored trimmed (as Sift does): decoys with surrounding spaces stay run keys only. */
const ASSETS = [...ASSET_NAMES, ...DECOYS.filter((d) => d.trim() === d)].map((name, i) => ({
  name,
  assetId: `asset-${i}`,
}));

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: {
      assets: ASSETS,
      runs: [...HOSTILE, ...DECOYS].map((clientKey, i) => ({
        runId: uuidFor(`run-${i}`),
        clientKey,
        name: "same",
      })),
    },
  });
});
afterAll(() => emulator.close());

interface PlanEntry {
  clientKey: string;
  action: string;
  runId?: string;
}

async function planOf(runs: object[], args: string[] = []) {
  const { manifests } = workspace({ "runs.json": JSON.stringify(runs) });
  const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" };
  const result = await cli(["plan", manifests, "--format", "json", ...args], env);
  expect(result.code, result.stderr).toBe(0);
  return { manifests, env, changes: JSON.parse(result.stdout).changes as PlanEntry[] };
}

describe("hostile clientKeys and asset names in CEL filters", () => {
  it("each hostile clientKey finds exactly its own run", async () => {
    const { changes } = await planOf(HOSTILE.map((clientKey) => ({ clientKey, name: "same" })));
    expect(changes.map((c) => [c.clientKey, c.action, c.runId])).toEqual(
      HOSTILE.map((key, i) => [key, "unchanged", uuidFor(`run-${i}`)]),
    );
  });

  it("a hostile clientKey that exists nowhere matches nothing: a create", async () => {
    const absent = ["nope' || true || 'x", 'nope") || true || ("', "\\u0078"];
    // Off: Sift's key rule would make these creates invalid (a run found would not be).
    const { changes } = await planOf(
      absent.map((clientKey) => ({ clientKey, name: "new" })),
      ["--client-key-check", "off"],
    );
    expect(changes.map((c) => [c.clientKey, c.action])).toEqual(
      absent.map((key) => [key, "create"]),
    );
  });

  it("each hostile asset name resolves to exactly its own asset", async () => {
    const runs = ASSET_NAMES.map((name, i) => ({
      clientKey: `asset-user-${i}`,
      name: "with a hostile asset",
      startTime: "2024-01-01T00:00:00Z",
      stopTime: "2024-01-01T01:00:00Z",
      assets: [name],
    }));
    const { manifests, env } = await planOf(runs);
    const applied = await cli(["apply", manifests], env);
    expect(applied.code, applied.stderr).toBe(0);
    const created = new Map(emulator.runs().map((r) => [r.clientKey, r.assetIds]));
    const idOf = new Map(ASSETS.map((a) => [a.name, a.assetId]));
    ASSET_NAMES.forEach((name, i) => {
      expect(created.get(`asset-user-${i}`)).toEqual([idOf.get(name)]);
    });
  });

  it("line breaks and other control characters never reach a filter: refused, located", async () => {
    const { manifests } = workspace({
      "runs.json": JSON.stringify([
        { clientKey: "two\nlines", name: "n" },
        {
          clientKey: "ok",
          name: "n",
          startTime: "2024-01-01T00:00:00Z",
          stopTime: "2024-01-01T01:00:00Z",
          assets: ["tab\there"],
        },
      ]),
    });
    const before = emulator.stats().total;
    const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" };
    const result = await cli(["plan", manifests], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /runs\.json:1 clientKey: "two\\nlines" contains a control character/,
    );
    expect(result.stderr).toMatch(/runs\.json:1 assets: "tab\\there" contains a control character/);
    expect(emulator.stats().total).toBe(before);
  });
});
