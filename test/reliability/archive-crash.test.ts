import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { uuidFor } from "../helpers/emulator.js";
import { runCliProcess, spawnCli } from "./support/processes.js";
import { sleep } from "./support/random.js";

/** Runs of the source; the manifest keeps the first half, adopts KEYLESS runs, archives the rest. */
const SOURCE_RUNS = 300;
const KEPT = 150;
const KEYLESS = 60;
/** Writes committed before the kill: some adoptions done, archives not yet all. */
const KILL_AFTER_WRITES = 90;
const POLL_MS = 2;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, latencyMs: 2 });
  emulator.load({
    metadataKeys: { source: "string" },
    runs: [
      ...Array.from({ length: SOURCE_RUNS }, (_, i) => ({
        runId: uuidFor(`id-kc-${i}`),
        clientKey: `kc-${i}`,
        name: `kc ${i}`,
        metadata: { source: "kc" },
      })),
      ...Array.from({ length: KEYLESS }, (_, i) => ({
        runId: uuidFor(`id-hand-${i}`),
        name: `hand ${i}`,
        metadata: { source: "kc" },
      })),
    ],
  });
});
afterAll(() => emulator.close());

describe("apply --archive-missing killed with SIGKILL", () => {
  it("is finished by a fresh apply: every adoption and archive done once, nothing else touched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "srs-archive-crash-"));
    const rows = [
      ...Array.from(
        { length: KEYLESS },
        (_, i) => `hand-${i},${uuidFor(`id-hand-${i}`)},hand ${i}`,
      ),
      ...Array.from({ length: KEPT }, (_, i) => `kc-${i},,kc ${i}`),
    ];
    writeFileSync(join(dir, "runs.csv"), `clientKey,runId,name\n${rows.join("\n")}\n`);
    const args = [
      "apply",
      dir,
      "--archive-missing",
      "--scope",
      `metadata["source"] == 'kc'`,
      "--max-archive",
      "100%",
      "--concurrency",
      "4",
      "--no-progress",
    ];
    const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" };

    const before = emulator.stats().writes;
    const killed = spawnCli(args, env);
    let finished = false;
    void killed.exited.then(() => {
      finished = true;
    });
    while (!finished && emulator.stats().writes - before < KILL_AFTER_WRITES) await sleep(POLL_MS);
    const finishedFirst = finished;
    killed.child.kill("SIGKILL");
    await killed.exited;
    const writesAtKill = emulator.stats().writes - before;
    expect(finishedFirst, killed.stdout() + killed.stderr()).toBe(false); // the kill landed mid-apply
    expect(writesAtKill).toBeGreaterThanOrEqual(KILL_AFTER_WRITES);
    expect(writesAtKill).toBeLessThan(KEYLESS + (SOURCE_RUNS - KEPT));

    const resumed = await runCliProcess(args, env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);

    const runs = emulator.runs();
    expect(runs).toHaveLength(SOURCE_RUNS + KEYLESS); // nothing created
    const hand = new Map(Array.from({ length: KEYLESS }, (_, i) => [uuidFor(`id-hand-${i}`), i]));
    const source = new Map(
      Array.from({ length: SOURCE_RUNS }, (_, i) => [uuidFor(`id-kc-${i}`), i]),
    );
    for (const run of runs) {
      const n = hand.get(run.runId);
      if (n !== undefined) {
        expect(run.clientKey).toBe(`hand-${n}`);
        expect(run.isArchived ?? false).toBe(false);
      } else {
        expect(run.isArchived ?? false).toBe(source.get(run.runId)! >= KEPT);
      }
    }
    // Every write happened once: the adoptions and archives, none twice.
    expect(emulator.stats().writes - before).toBe(KEYLESS + (SOURCE_RUNS - KEPT));

    const again = await runCliProcess(args, env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 210 unchanged/);
    expect(emulator.stats().writes - before).toBe(KEYLESS + (SOURCE_RUNS - KEPT));
  });
});
