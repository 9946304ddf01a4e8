import { describe, expect, it } from "vitest";
import { describeRounds, runCrashScenario } from "./support/crash-scenario.js";

/**
 * The fast cut of the crash soak: apply processes SIGKILLed at seeded random moments (kill -9:
 * no handler runs), each followed by a fresh apply of the same manifest.
 */
describe("apply killed with SIGKILL at a random moment", () => {
  it("is finished by a fresh apply: Sift equals the manifest, no duplicate run", async () => {
    const rounds = await runCrashScenario({ rounds: 2, runsPerRound: 400, seed: 3 });
    console.log(describeRounds(rounds));
    expect(rounds.some((r) => r.writesAtKill > 0)).toBe(true);
    for (const round of rounds) {
      expect(round.resumeCode, round.resumeSummary).toBe(0);
      expect(round.duplicates).toEqual([]);
      expect(round.stateProblems).toEqual([]);
    }
  });
});
