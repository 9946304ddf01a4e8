import { describe, expect, it } from "vitest";
import { formatDuration, readAdoptBy } from "../../src/core/adopt-by.js";

describe("readAdoptBy", () => {
  it("reads fields and time tolerances, dropping a repeated entry", () => {
    expect(readAdoptBy(["name", "startTime~10m", "metadata.serial", "name"])).toEqual([
      { text: "name", field: "name", toleranceNs: 0n },
      { text: "startTime~10m", field: "startTime", toleranceNs: 600_000_000_000n },
      { text: "metadata.serial", field: "metadata.serial", toleranceNs: 0n },
    ]);
    expect(readAdoptBy(["stopTime~250ms"])).toMatchObject([{ toleranceNs: 250_000_000n }]);
    expect(readAdoptBy(["stopTime~2h"])).toMatchObject([{ toleranceNs: 7_200_000_000_000n }]);
  });

  it("says why an entry is refused", () => {
    expect(readAdoptBy(["colour"])).toBe(
      'unknown field "colour" (expected some of name, startTime, stopTime, metadata.<key>)',
    );
    expect(readAdoptBy(["startTime~25h"])).toBe('"startTime~25h": a tolerance is at most 24h');
    expect(readAdoptBy(["startTime~-1m"])).toMatch(/the tolerance is a whole number/);
  });
});

describe("formatDuration", () => {
  it("says a duration in the unit a person would", () => {
    expect(formatDuration(300_000_000_000n)).toBe("5 min");
    expect(formatDuration(-90_000_000_000n)).toBe("1.5 min");
    expect(formatDuration(1_000_000n)).toBe("1 ms");
    expect(formatDuration(7n)).toBe("7 ns");
    expect(formatDuration(3n * 86_400_000_000_000n)).toBe("3 days");
  });
});
