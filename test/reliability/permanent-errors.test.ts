import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { cli, workspace } from "../security/support.js";
import { readResults } from "./support/results.js";
import { BASE_SEED } from "./support/runs.js";

/**
 * Answers no retry can change (403, 404) fail only their own rows, with the API's message and
 * the row's source; the other rows go on, and the exit code is 1.
 */
const VIEWER_KEY = "sift_viewer_key_0123456789";

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const MANIFEST = [
  "clientKey,name,tags",
  "same-1,Same 1,a", // unchanged
  "same-2,Same 2,a", // unchanged
  "old-1,New name,a", // update
  "new-1,Created 1,a", // create
  "new-2,Created 2,a", // create
].join("\n");

describe("a key that may read but not write: 403 on every write", () => {
  it("fails each write's row with the API's message, once, and the unchanged rows are ok", async () => {
    emulator = await startEmulator({
      port: 0,
      readOnlyApiKey: VIEWER_KEY,
      seed: {
        runs: [
          { clientKey: "same-1", name: "Same 1", tags: ["a"] },
          { clientKey: "same-2", name: "Same 2", tags: ["a"] },
          { clientKey: "old-1", name: "Old name", tags: ["a"] },
        ],
      },
    });
    const { dir, manifests } = workspace({ "runs.csv": MANIFEST + "\n" });
    const results = join(dir, "results.csv");
    const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: VIEWER_KEY };
    const run = await cli(["apply", manifests, "--results", results], env);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Applied: 0 created, 0 updated, 2 unchanged, 3 failed, 0 skipped/);
    const denied = "403: this API key may read runs but not write them";
    expect(run.stderr).toContain(
      `✗ old-1 (${join(manifests, "runs.csv")}:4) update: [PATCH /api/v2/runs] ${denied}`,
    );
    expect(run.stderr).toContain(
      `✗ new-1 (${join(manifests, "runs.csv")}:5) create: [POST /api/v2/runs] ${denied}`,
    );
    const rows = readResults(results)
      .sort((a, b) => a.source.localeCompare(b.source))
      .map((r) => [r.clientKey, r.status, r.error]);
    expect(rows).toEqual([
      ["same-1", "ok", ""],
      ["same-2", "ok", ""],
      ["old-1", "failed", `[PATCH /api/v2/runs] ${denied}`],
      ["new-1", "failed", `[POST /api/v2/runs] ${denied}`],
      ["new-2", "failed", `[POST /api/v2/runs] ${denied}`],
    ]);
    // A 403 is final: one attempt per write, nothing written.
    const stats = emulator.stats();
    expect([stats.requests.CreateRun, stats.requests.UpdateRun, stats.writes]).toEqual([2, 1, 0]);
    expect(run.stderr).not.toContain(VIEWER_KEY);
  });

  it("with --fail-fast, stops starting rows after the first failure", async () => {
    emulator = await startEmulator({ port: 0, readOnlyApiKey: VIEWER_KEY });
    const rows = Array.from({ length: 50 }, (_, i) => `ff-${i},Run ${i}`).join("\n");
    const { manifests } = workspace({ "runs.csv": `clientKey,name\n${rows}\n` });
    const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: VIEWER_KEY };
    const run = await cli(["apply", manifests, "--fail-fast", "--concurrency", "1"], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/0 created, 0 updated, 0 unchanged, [1-4] failed, 4[6-9] skipped/);
    expect(emulator.stats().requests.CreateRun).toBeLessThan(5);
  });
});

describe("an asset deleted after the plan was saved: 404", () => {
  it("fails only the rows that use it, with the API's message; the others are created", async () => {
    const { dir, manifests } = workspace({
      "runs.csv": [
        "clientKey,name,startTime,stopTime,assets",
        "on-a,On A,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,stand-a",
        "on-b,On B,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,stand-b",
        "on-ab,On A and B,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,stand-a;stand-b",
        "plain,No asset,,,",
      ].join("\n"),
    });
    const statePath = join(dir, "state.json");
    emulator = await startEmulator({ port: 0, seed: BASE_SEED, statePath });
    const { port, url } = emulator;
    const env = { SIFT_REST_URI: url, SIFT_API_KEY: "local" };
    const planFile = join(dir, "plan.json");
    expect((await cli(["plan", manifests, "--out", planFile], env)).code).toBe(0);

    // Meanwhile, someone deletes asset stand-b in Sift.
    await emulator.close();
    const state = JSON.parse(readFileSync(statePath, "utf8"));
    state.assets = state.assets.filter((a: { name: string }) => a.name !== "stand-b");
    // Edited by hand: without its counts and checksum, the file loads unchecked.
    delete state.counts;
    delete state.checksum;
    writeFileSync(statePath, JSON.stringify(state));
    emulator = await startEmulator({ port, statePath });

    const results = join(dir, "results.jsonl");
    const run = await cli(["apply", "--plan", planFile, "--results", results], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Applied: 2 created, 0 updated, 0 unchanged, 2 failed, 0 skipped/);
    const notFound = '[POST /api/v2/runs:adhoc] 404: asset "asset-b" not found';
    const lines = readResults(results).sort((a, b) => a.source.localeCompare(b.source));
    expect(lines.map((r) => [r.clientKey, r.status, r.error, r.source])).toEqual([
      ["on-a", "ok", "", expect.stringMatching(/runs\.csv:2$/)],
      ["on-b", "failed", notFound, expect.stringMatching(/runs\.csv:3$/)],
      ["on-ab", "failed", notFound, expect.stringMatching(/runs\.csv:4$/)],
      ["plain", "ok", "", expect.stringMatching(/runs\.csv:5$/)],
    ]);
    expect(
      emulator
        .runs()
        .map((r) => r.clientKey)
        .sort(),
    ).toEqual(["on-a", "plain"]);
    expect(emulator.stats().requests.CreateAdhocRun).toBe(3); // a 404 is not retried
  });
});
