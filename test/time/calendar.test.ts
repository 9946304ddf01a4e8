import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  MAX_EPOCH_SECONDS,
  MIN_EPOCH_SECONDS,
  SECONDS_PER_DAY,
} from "../../src/time/calendar.js";

/** The platform's proleptic Gregorian calendar, the reference (setUTCFullYear: years < 100 too). */
function utcDays(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() / 1000 / SECONDS_PER_DAY;
}

describe("the calendar", () => {
  it("knows the month lengths and leap years of the Gregorian rule", () => {
    expect([1, 2, 3, 4, 6, 9, 11, 12].map((m) => daysInMonth(2023, m))).toEqual([
      31, 28, 31, 30, 30, 30, 30, 31,
    ]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
        const next = m === 12 ? utcDays(y + 1, 1, 1) : utcDays(y, m + 1, 1);
        expect(daysInMonth(y, m)).toBe(next - utcDays(y, m, 1));
      }),
    );
  });

  it("counts days from 1970-01-01 as the platform does, and back", () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1, 1, 1) * SECONDS_PER_DAY).toBe(MIN_EPOCH_SECONDS);
    expect((daysFromCivil(9999, 12, 31) + 1) * SECONDS_PER_DAY - 1).toBe(MAX_EPOCH_SECONDS);
    fc.assert(
      fc.property(fc.date({ min: new Date("0001-01-01Z"), max: new Date("9999-12-31Z") }), (d) => {
        if (Number.isNaN(d.getTime())) return;
        const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
        const days = daysFromCivil(y, m, day);
        expect(days).toBe(utcDays(y, m, day));
        expect(civilFromDays(days)).toEqual([y, m, day]);
      }),
    );
  });
});
