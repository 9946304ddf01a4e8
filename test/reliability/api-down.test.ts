import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apply } from "../../src/apply/apply.js";
import type { RowResult } from "../../src/apply/work.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { createSiftClient } from "../../src/sift/client.js";
import { seededRandom, sleep } from "./support/random.js";
import { BASE_SEED, generateRuns, toCsv } from "./support/runs.js";
import { diffState, duplicateKeys } from "./support/state.js";

/** A short retry budget (the CLI's is 8 attempts, ~11 s on average) keeps this test fast. */
const RETRY = { baseDelayMs: 5, maxDelayMs: 40, maxAttempts: 4 };
const RUNS = 400;

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function writeManifest() {
  const dir = mkdtempSync(join(tmpdir(), "srs-down-"));
  const manifest = generateRuns("down", RUNS, seededRandom(9));
  mkdirSync(join(dir, "manifests"));
  writeFileSync(join(dir, "manifests", "runs.csv"), toCsv(manifest));
  return { dir, manifest, paths: [join(dir, "manifests")] };
}

describe("the API stops answering for good in the middle of an apply", () => {
  it("stops after its retry budget instead of trying every remaining row, and a rerun finishes", async () => {
    const { dir, manifest, paths } = writeManifest();
    const statePath = join(dir, "state.json");
    emulator = await startEmulator({ port: 0, seed: BASE_SEED, statePath, latencyMs: 2 });
    const port = emulator.port;
    const client = createSiftClient({ baseUrl: emulator.url, apiKey: "local", retry: RETRY });
    const rows: RowResult[] = [];
    const applying = apply({ paths, client, onResult: (row) => rows.push(row) });
    while (rows.length < 50) await sleep(2);
    await emulator.close();
    emulator = undefined;

    const result = await applying;
    const failed = rows.filter((r) => r.outcome.status === "failed");
    const skipped = rows.filter((r) => r.outcome.status === "skipped");
    // Only the rows under way when the API went away were tried (and failed after every
    // retry); the rest were not attempted, and say why.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(20);
    for (const row of failed) {
      expect(row.outcome).toMatchObject({
        error: expect.stringMatching(
          /no answer: cannot reach 127\.0\.0\.1:\d+.*\(after 4 attempts\)/,
        ),
      });
    }
    expect(skipped.length).toBe(RUNS - result.created - failed.length);
    expect(skipped[0]?.outcome).toMatchObject({
      error: expect.stringMatching(/API .*run .* again/),
    });
    expect(rows.length).toBe(RUNS);

    emulator = await startEmulator({ port, statePath });
    const rerun = await apply({
      paths,
      client: createSiftClient({ baseUrl: emulator.url, apiKey: "local" }),
    });
    expect(rerun.failed).toBe(0);
    expect(rerun.created + rerun.updated + rerun.unchanged).toBe(RUNS);
    expect(duplicateKeys(emulator.runs())).toEqual([]);
    expect(diffState(emulator.runs(), manifest)).toEqual([]);
  });
});
