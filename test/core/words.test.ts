import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCount, plural } from "../../src/core/words.js";

describe("counts in messages", () => {
  it("group digits as toLocaleString('en-US') does, whatever the machine's locale", () => {
    for (const n of [0, 7, 999, 1000, 1347, 16_384, 300_000, 1_000_000, -1, -1234, 12.5, -0]) {
      expect(formatCount(n)).toBe(n.toLocaleString("en-US"));
    }
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double()), (n) => {
        expect(formatCount(n)).toBe(n.toLocaleString("en-US"));
      }),
      { numRuns: 2000 },
    );
  });

  it("agree the noun with the count", () => {
    expect(plural(1, "run")).toBe("1 run");
    expect(plural(1347, "run")).toBe("1,347 runs");
    expect(plural(2, "retry", "retries")).toBe("2 retries");
  });
});
