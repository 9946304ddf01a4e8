import { describe, expect, it } from "vitest";
import { describeRounds, runCrashScenario } from "../reliability/support/crash-scenario.js";

/**
 * 20 apply processes of 2,000 runs (half creates, half updates of the previous round's runs),
 * each SIGKILLed at a seeded random moment and followed by a fresh apply.
 */
describe("soak: 20 applies killed with SIGKILL", () => {
  it("each is finished by a fresh apply, with no duplicate run", async () => {
    const started = performance.now();
    const rounds = await runCrashScenario({ rounds: 20, runsPerRound: 2000, seed: 2024 });
    console.log(
      `${describeRounds(rounds)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    expect(rounds.filter((r) => r.writesAtKill > 0).length).toBeGreaterThanOrEqual(15);
    rounds.forEach((round, i) => {
      expect(round.resumeCode, `round ${i + 1}: ${round.resumeSummary}`).toBe(0);
      expect(round.duplicates, `round ${i + 1}`).toEqual([]);
      expect(round.stateProblems, `round ${i + 1}`).toEqual([]);
    });
  });
});
