import { describe, expect, it } from "vitest";
import { describeOutcome, expectConverged, runFaultScenario } from "./support/fault-scenario.js";

/**
 * The fast cut of the fault soak (test/soak/faults.soak.test.ts): one fault seed, 300 runs,
 * 30% of requests faulted (503, 429, a proxy's HTML 502, and writes committed whose answer is
 * lost). Creates, updates with follow-ups, and unchanged runs, all through the CLI.
 */
describe("apply under a 30% fault rate", () => {
  it("converges: one run per clientKey, Sift equal to the manifest, every row in the results", async () => {
    const scenario = { runs: 300, faultRate: 0.3, faultSeed: 11 };
    const outcome = await runFaultScenario(scenario);
    console.log(describeOutcome(scenario, outcome));

    expectConverged(outcome);
    const first = outcome.passes[0]!.summary;
    expect(first.created + first.updated + first.unchanged + first.failed).toBe(300);
    expect(first.retries).toBeGreaterThan(0);
  });
});
