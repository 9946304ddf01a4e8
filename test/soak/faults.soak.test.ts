import { describe, it } from "vitest";
import {
  describeOutcome,
  expectConverged,
  runFaultScenario,
} from "../reliability/support/fault-scenario.js";

const FAULT_SEEDS = [1, 2, 3, 4, 5];

/**
 * 5,000 runs applied by the CLI (its own process, default concurrency and retry budget)
 * against an emulator faulting 30% of requests with every fault kind: 503, 429 with
 * Retry-After, a proxy's HTML 502, and a write committed whose answer is lost. A row may
 * fail only when every attempt of a request met a fault; the same command run again finishes.
 */
describe("soak: 5,000 runs at a 30% fault rate", () => {
  it.each(FAULT_SEEDS)("fault seed %i converges", async (faultSeed) => {
    const scenario = { runs: 5000, faultRate: 0.3, faultSeed, spawn: true };
    const outcome = await runFaultScenario(scenario);
    console.log(describeOutcome(scenario, outcome));

    expectConverged(outcome);
  });
});
