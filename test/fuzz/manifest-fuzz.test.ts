import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { cli, workspace } from "../security/support.js";
import { applyMutations, mutation } from "./mutations.js";

/**
 * Damaged and random manifests through `validate` (in-process) and `plan` / `apply` against
 * the emulator: the tool never crashes, never writes when the input is invalid, always exits
 * 0 or 1, and when it says 1 every problem line names the file and line.
 */
const VALID = new URL("../../fixtures/manifests/valid/", import.meta.url).pathname;
const SEEDS = {
  csv: ["all-fields.csv", "bom-crlf-multiline.csv", "snake-case.csv"],
  yaml: ["defaults.yaml", "list.yaml", "multi-document.yaml"],
  json: ["runs.json"],
};
/** `FUZZ_SCALE=20 npx vitest run test/fuzz` for a longer campaign. */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const RUNS = { mutated: 120 * SCALE, random: 60 * SCALE };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: {
      assets: ["stand-a", "stand-b", "rig-7"],
      metadataKeys: { campaign: "string", altitude_m: "number", passed: "boolean" },
    },
  });
});
afterAll(() => emulator.close());

const { manifests } = workspace({});
const env = () => ({ SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" });

/** What every run of the CLI on a manifest must satisfy, whatever the manifest holds. */
function expectWellBehaved(run: { code: number; stdout: string; stderr: string }, file: string) {
  expect([0, 1]).toContain(run.code);
  const output = run.stdout + run.stderr;
  expect(output).not.toMatch(/internal error/i);
  expect(output).not.toMatch(/^\s+at .+[:(]\d+/m); // a stack frame
  expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/); // escaped
  if (run.code === 0) return;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (run.stderr === "") {
    // plan: runs Sift cannot take (no name to create, unknown asset) are in the report.
    expect(run.stdout).toMatch(/ \d+ invalid\.$/m);
    expect(run.stdout).toMatch(new RegExp(`^✗ .* \\(${escaped}:\\d+\\)$`, "m"));
    return;
  }
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines.at(-1)).toMatch(/^error: /);
  // Errors, and warnings (validate prefixes them), each name the file and line.
  const located = new RegExp(`^(warning: )?${escaped}:\\d+(:\\d+)? `);
  for (const line of lines.slice(0, -1)) {
    if (/^\.\.\. and \d+ more$/.test(line)) continue;
    expect(line).toMatch(located);
  }
}

/** validate, then plan (reads only), then — only when invalid — apply, which must write nothing. */
async function checkManifest(name: string, bytes: Uint8Array): Promise<void> {
  writeFileSync(join(manifests, name), bytes);
  const path = join(manifests, name);
  const validated = await cli(["validate", path], {});
  expectWellBehaved(validated, path);

  const before = emulator.stats();
  const planned = await cli(["plan", path], env());
  expectWellBehaved(planned, path);
  expect(emulator.stats().writes).toBe(before.writes);
  if (validated.code === 1) {
    expect(planned.code).toBe(1);
    const applied = await cli(["apply", path], env());
    expectWellBehaved(applied, path);
    expect(applied.code).toBe(1);
    // Invalid input: not even a lookup was sent.
    expect(emulator.stats().total).toBe(before.total);
  }
}

describe("fuzz: damaged manifests", () => {
  for (const [format, files] of Object.entries(SEEDS)) {
    it(`${format}: random mutations of valid files`, async () => {
      const originals = files.map((f) => readFileSync(join(VALID, f)));
      await fc.assert(
        fc.asyncProperty(
          fc.nat(originals.length - 1),
          fc.array(mutation, { minLength: 1, maxLength: 6 }),
          async (which, mutations) => {
            await checkManifest(`fuzz.${format}`, applyMutations(originals[which]!, mutations));
          },
        ),
        { numRuns: RUNS.mutated },
      );
    });
  }

  it("random bytes as CSV, YAML and JSON", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("csv", "yaml", "json"),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ maxLength: 300, unit: "binary" }).map((s) => new TextEncoder().encode(s)),
        ),
        async (format, bytes) => {
          await checkManifest(`random.${format}`, bytes);
        },
      ),
      { numRuns: RUNS.random },
    );
  });
});
