import { describe, expect, it } from "vitest";
import { runRestartScenario } from "../reliability/support/restart-scenario.js";

/**
 * The API server (`sift-run-sync emulator --state FILE`, its own process) SIGKILLed during a
 * 2,000-run apply that uses the CLI's default retry budget (8 attempts, backoff up to 10 s).
 */
describe("soak: the API server killed during an apply", () => {
  it("three times, back after 0.2 to 2 s: the apply converges without a duplicate", async () => {
    const outcome = await runRestartScenario({
      runs: 2000,
      seed: 77,
      outages: [
        { afterRows: 100, downForMs: 200 },
        { afterRows: 700, downForMs: 1000 },
        { afterRows: 1400, downForMs: 2000 },
      ],
    });
    console.log(`3 outages: ${(outcome.elapsedMs / 1000).toFixed(1)} s; ${outcome.stdout.trim()}`);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^Applied: 2000 created, 0 updated, 0 unchanged, 0 failed/);
    expect(outcome.duplicates).toEqual([]);
    expect(outcome.stateProblems).toEqual([]);
    expect(outcome.resultProblems).toEqual([]);
    expect(outcome.rerun.stdout).toMatch(/0 created, 0 updated, 2000 unchanged, 0 failed/);
  });

  it("for good: the apply fails after its retry budget with a clear message, and a rerun finishes", async () => {
    const outcome = await runRestartScenario({
      runs: 2000,
      seed: 78,
      outages: [{ afterRows: 300, downForMs: undefined }],
    });
    console.log(
      `never back: failed after ${(outcome.elapsedMs / 1000).toFixed(1)} s; ${outcome.stdout.trim()}`,
    );
    expect(outcome.code).toBe(1);
    const summary = /(\d+) created, 0 updated, 0 unchanged, (\d+) failed, (\d+) skipped/.exec(
      outcome.stdout,
    );
    expect(summary).not.toBeNull();
    const [created, failed, skipped] = summary!.slice(1).map(Number) as [number, number, number];
    expect(created + failed + skipped).toBe(2000);
    // Only rows under way when the server died were tried to the end of their retry budget.
    expect(failed).toBeLessThanOrEqual(20);
    expect(outcome.stderr).toMatch(
      /no answer: cannot reach 127\.0\.0\.1:\d+: .*\(after 8 attempts\); check SIFT_REST_URI/,
    );
    // Every row is accounted for, the skipped ones with the reason.
    expect(outcome.resultProblems).toEqual([]);
    expect(outcome.duplicates).toEqual([]);
    expect(outcome.rerun.code).toBe(0);
  });
});
