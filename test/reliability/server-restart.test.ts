import { describe, expect, it } from "vitest";
import { runRestartScenario } from "./support/restart-scenario.js";

/**
 * The API server (the emulator with --state, its own process) is SIGKILLed in the middle of an
 * apply and comes back on the same port with the same state: writes it committed survive,
 * answers it never sent are lost, connections are refused while it is down.
 */
describe("the API server dies in the middle of an apply", () => {
  it("and comes back: the apply waits, retries and converges, without a duplicate", async () => {
    const outcome = await runRestartScenario({
      runs: 300,
      seed: 5,
      outages: [{ afterRows: 60, downForMs: 400 }],
    });
    console.log(`apply: ${(outcome.elapsedMs / 1000).toFixed(1)} s; ${outcome.stdout.trim()}`);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^Applied: 300 created, 0 updated, 0 unchanged, 0 failed/);
    expect(outcome.duplicates).toEqual([]);
    expect(outcome.stateProblems).toEqual([]);
    expect(outcome.resultProblems).toEqual([]);
    expect(outcome.rerun.stdout).toMatch(/0 created, 0 updated, 300 unchanged, 0 failed/);
  });
});
