import { describe, expect, it } from "vitest";
import { estimateBackfill, formatDuration, nightlyRequests } from "../../src/doctor/estimate.js";

describe("the backfill estimate", () => {
  it("T = ⌈(N + lookups) / concurrency⌉ × latency", () => {
    const e = estimateBackfill({ runs: 1000, lookupBatch: 250, latencyMs: 20, concurrency: 8 });
    expect(e).toEqual({
      requests: 1004,
      lookups: 4,
      seconds: (Math.ceil(1004 / 8) * 20) / 1000,
      boundBy: "latency",
    });
  });

  it("bounded by the rate when --max-rps is lower than the round trips allow", () => {
    const e = estimateBackfill({
      runs: 1000,
      lookupBatch: 250,
      latencyMs: 20,
      concurrency: 8,
      maxRps: 10,
    });
    expect(e).toMatchObject({ seconds: 100.4, boundBy: "rate" });
  });

  it("times writes apart when they were measured", () => {
    const e = estimateBackfill({
      runs: 80,
      lookupBatch: 100,
      latencyMs: 10,
      writeLatencyMs: 50,
      concurrency: 8,
    });
    expect(e.seconds).toBeCloseTo((1 * 10 + 10 * 50) / 1000);
  });

  it("the nightly no-op is lookups only", () => {
    expect(nightlyRequests({ runs: 10_000, lookupBatch: 254, nameLookups: 2 })).toBe(40 + 2);
  });

  it("prints durations people read", () => {
    expect(formatDuration(0.05)).toBe("under 0.1 s");
    expect(formatDuration(4.26)).toBe("4.3 s");
    expect(formatDuration(200)).toBe("3 min 20 s");
    expect(formatDuration(7500)).toBe("2 h 05 min");
  });
});
