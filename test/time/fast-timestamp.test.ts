import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareTimestamps,
  fromEpochNanos,
  parseTimestamp,
  type Timestamp,
} from "../../src/time/timestamp.js";
import { compareTimes } from "../../src/time/canonical-time.js";
import { compareCanonical, readTimestampFast } from "../../src/time/fast-timestamp.js";

const MIN_NANOS = -62_135_596_800_000_000_000n;
const MAX_NANOS = 253_402_300_799_999_999_999n;
const canonical = fc.bigInt({ min: MIN_NANOS, max: MAX_NANOS }).map(fromEpochNanos);

/** Timestamps written the many ways an export might: 0 to 10 fraction digits, offsets, bad days. */
const timestampText = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 24 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,10}$/), { nil: undefined }),
    zone: fc.oneof(
      fc.constantFrom(
        "Z",
        "z",
        "+00:00",
        "-00:00",
        "+14:00",
        "-12:00",
        "+24:00",
        "+05:60",
        "+0530",
        "",
      ),
      fc
        .tuple(
          fc.constantFrom("+", "-"),
          fc.integer({ min: 0, max: 23 }),
          fc.integer({ min: 0, max: 59 }),
        )
        .map(
          ([sign, h, m]) => `${sign}${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`,
        ),
    ),
  })
  .map(({ year, month, day, hour, minute, second, fraction, zone }) => {
    const p = (n: number, w = 2) => String(n).padStart(w, "0");
    const frac = fraction === undefined ? "" : `.${fraction}`;
    return `${p(year, 4)}-${p(month)}-${p(day)}T${p(hour)}:${p(minute)}:${p(second)}${frac}${zone}`;
  });

describe("the timestamp shortcut", () => {
  it("agrees with parseTimestamp whenever it answers", () => {
    fc.assert(
      fc.property(timestampText, (text) => {
        const fast = readTimestampFast(text);
        const slow = parseTimestamp(text);
        if (fast !== undefined) expect(slow).toEqual({ ok: true, value: fast });
        // It only declines valid timestamps for a lowercase `t` or `z`.
        else if (slow.ok) expect(text).toMatch(/[tz]/);
      }),
      { numRuns: 5000 },
    );
  });

  it("answers for canonical timestamps, returning them unchanged", () => {
    fc.assert(
      fc.property(canonical, (ts) => {
        expect(readTimestampFast(ts)).toBe(ts);
      }),
    );
  });

  it("normalises fractions and offsets, and leaves the unusual to parseTimestamp", () => {
    expect(readTimestampFast("2024-01-31T12:00:00.5Z")).toBe("2024-01-31T12:00:00.500Z");
    expect(readTimestampFast("2024-01-31T12:00:00.000Z")).toBe("2024-01-31T12:00:00Z");
    expect(readTimestampFast("2024-01-31T12:00:00.1234Z")).toBe("2024-01-31T12:00:00.123400Z");
    expect(readTimestampFast("2024-02-29T12:00:00Z")).toBe("2024-02-29T12:00:00Z");
    expect(readTimestampFast("2023-02-29T12:00:00Z")).toBeUndefined();
    expect(readTimestampFast("2024-01-31T12:00:00+00:00")).toBe("2024-01-31T12:00:00Z");
    expect(readTimestampFast("2024-03-01T01:30:00.25+02:00")).toBe("2024-02-29T23:30:00.250Z");
    expect(readTimestampFast("0001-01-01T00:30:00+01:00")).toBeUndefined(); // before year 1
    expect(readTimestampFast("9999-12-31T23:30:00-01:00")).toBeUndefined(); // after 9999
    expect(readTimestampFast("2024-01-31t12:00:00z")).toBeUndefined();
  });

  it("compares canonical timestamps as compareTimestamps does", () => {
    const sign = (n: number) => Math.sign(n);
    fc.assert(
      fc.property(canonical, canonical, (a, b) => {
        expect(sign(compareCanonical(a, b))).toBe(sign(compareTimestamps(a, b)));
      }),
      { numRuns: 2000 },
    );
    const a = "2024-01-31T12:00:00Z" as Timestamp;
    const b = "2024-01-31T12:00:00.500Z" as Timestamp;
    expect(compareCanonical(a, b)).toBe(-1);
    expect(compareCanonical(b, a)).toBe(1);
    expect(compareCanonical(b, b)).toBe(0);
  });

  it("compareTimes answers as compareTimestamps does, canonical texts or not", () => {
    fc.assert(
      fc.property(canonical, canonical, (a, b) => {
        expect(compareTimes(a, b)).toBe(compareTimestamps(a, b));
      }),
      { numRuns: 2000 },
    );
    // Not canonical: compareTimestamps' own way, its answer and its error alike.
    const short = "2024-01-31T12:00:00.5Z" as Timestamp;
    const long = "2024-01-31T12:00:00.500Z" as Timestamp;
    expect(compareTimes(short, long)).toBe(0);
    expect(compareTimes(long, short)).toBe(0);
    const offset = "2024-01-31T14:00:00+02:00" as Timestamp;
    const utc = "2024-01-31T12:00:00Z" as Timestamp;
    expect(() => compareTimestamps(offset, utc)).toThrow(RangeError);
    expect(() => compareTimes(offset, utc)).toThrow(RangeError);
  });
});
