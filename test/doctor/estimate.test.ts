import { describe, expect, it } from "vitest";
import {
  estimateBackfill,
  estimateCheck,
  formatDuration,
  nightlyRequests,
  warmNightlyRequests,
} from "../../src/doctor/estimate.js";

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

  it("with a warm sync cache, the no-op is the name lookups and two listings, whatever N", () => {
    expect(warmNightlyRequests({ nameLookups: 2 })).toBe(4);
    const [, noop] = estimateCheck({
      runs: 1_000_000,
      lookupBatch: 254,
      latencyMs: 10,
      concurrency: 8,
      nameLookups: 2,
      source: "--estimate",
    });
    expect(noop!.found).toBe(
      "4 requests with a warm sync cache (under 0.1 s); 3,940, lookups only, without one " +
        "(about 4.9 s: the first night, each --refresh-every, or --no-cache); for 1,000,000 unchanged runs",
    );
    expect(noop!.data).toEqual({ requests: 3940, warmCacheRequests: 4 });
  });

  it("the no-op is bound by --max-rps too, and no duration reads 'about under'", () => {
    const [backfill, noop] = estimateCheck({
      runs: 10_000,
      lookupBatch: 254,
      latencyMs: 1,
      concurrency: 8,
      maxRps: 10,
      nameLookups: 2,
      source: "--estimate",
    });
    // 42 lookups at 10 per second: 4.2 s, where the round trips alone take 6 ms.
    expect(noop!.found).toMatch(
      /^4 requests with a warm sync cache \(about 0\.4 s\); 42, .*\(about 4\.2 s:/,
    );
    const tiny = estimateCheck({
      runs: 1,
      lookupBatch: 254,
      latencyMs: 1,
      concurrency: 8,
      source: "--estimate",
    });
    for (const check of [backfill!, noop!, ...tiny]) expect(check.found).not.toMatch(/about under/);
    expect(tiny[0]!.found).toMatch(/^under 0\.1 s: 2 requests/);
  });

  it("prints durations people read", () => {
    expect(formatDuration(0.05)).toBe("under 0.1 s");
    expect(formatDuration(4.26)).toBe("4.3 s");
    expect(formatDuration(200)).toBe("3 min 20 s");
    expect(formatDuration(7500)).toBe("2 h 05 min");
  });
});
