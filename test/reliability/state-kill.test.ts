import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiAnswer, callApi } from "../helpers/emulator.js";
import { EmulatorProcess } from "./support/processes.js";
import { BASE_SEED } from "./support/runs.js";

/**
 * `sift-run-sync emulator --state FILE` (its own process) SIGKILLed right after it answered
 * writes, and again while writes are in flight: on restart it holds every write it answered,
 * as answered (its journal was fsynced before each answer), and a commit cut short is no
 * obstacle to starting.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "state-kill-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type WireRun = { runId: string; clientKey: string; duration?: unknown };

/** The run of a write's answer, without `duration` (it counts to now for an ongoing run). */
function answeredRun(answer: ApiAnswer): WireRun {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return { ...answer.body.run, duration: undefined };
}

async function expectHeld(emulator: EmulatorProcess, answered: Iterable<WireRun>): Promise<void> {
  for (const run of answered) {
    const found = await callApi(emulator, "GET", `/api/v2/runs/${run.runId}`);
    expect(found.status, run.clientKey).toBe(200);
    expect({ ...found.body.run, duration: undefined }).toEqual(run);
  }
}

describe("the emulator with --state is SIGKILLed", () => {
  it("keeps every write it answered: creates, updates, archives", async () => {
    const emulator = await EmulatorProcess.start(dir, BASE_SEED);
    try {
      const created = await Promise.all(
        Array.from({ length: 40 }, async (_, i) =>
          answeredRun(
            await callApi(emulator, "POST", "/api/v2/runs", {
              name: `kill ${i}`,
              clientKey: `kill-${i}`,
              startTime: "2024-01-01T00:00:00Z",
              metadata: [{ key: { name: `key_${i % 3}`, type: 1 }, stringValue: `v${i}` }],
            }),
          ),
        ),
      );
      const latest = new Map(created.map((run) => [run.runId, run]));
      // Concurrent updates and archives of half of them; the last answer is what must stay.
      const changed = await Promise.all(
        created
          .filter((_, i) => i % 2 === 0)
          .map(async (run, i) =>
            answeredRun(
              await callApi(emulator, "PATCH", "/api/v2/runs", {
                run: { runId: run.runId, name: `renamed ${i}`, isArchived: i % 4 === 0 },
                updateMask: "name,isArchived",
              }),
            ),
          ),
      );
      for (const run of changed) latest.set(run.runId, run);

      await emulator.kill(); // no close: right after the last answer
      await emulator.restart();
      await expectHeld(emulator, latest.values());

      // Killed again while 100 creates are in flight: the answered ones are all there.
      const inFlight = Array.from({ length: 100 }, (_, i) =>
        callApi(emulator, "POST", "/api/v2/runs", { name: `late ${i}`, clientKey: `late-${i}` })
          .then(answeredRun)
          .catch(() => undefined),
      );
      await Promise.race(inFlight);
      await emulator.kill();
      const answered = (await Promise.all(inFlight)).filter((run) => run !== undefined);
      expect(answered.length).toBeGreaterThan(0);
      await emulator.restart();
      await expectHeld(emulator, [...latest.values(), ...answered]);
    } finally {
      await emulator.kill();
    }
  });
});
