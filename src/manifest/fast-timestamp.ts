import type { Timestamp } from "../core/timestamp.js";

/**
 * Shortcuts for UTC timestamps (`2024-01-31T12:00:00.5Z`), as exports from other systems
 * usually write them. parseTimestamp builds Dates and BigInts; on a million-row CSV that was
 * a quarter of the time. Anything else goes the long way, and a property test checks that
 * these agree with src/core/timestamp.ts.
 */

const D0 = 48; // "0"

/**
 * The canonical form of a UTC timestamp written `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, without
 * building a Date; undefined for anything else (offsets, lowercase, errors), which
 * parseTimestamp then reads or explains.
 */
export function readUtcTimestamp(text: string): Timestamp | undefined {
  const n = text.length;
  if (n < 20 || n > 30 || n === 21) return undefined;
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(n - 1) !== 90 // Z
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (n === 20) return text as Timestamp;
  if (text.charCodeAt(19) !== 46 || digits(text, 20, n - 1) < 0) return undefined; // .
  const fraction = canonicalFraction(text.slice(20, n - 1));
  if (fraction.length === n - 21) return text as Timestamp; // already canonical
  return (text.slice(0, 19) + (fraction === "" ? "" : "." + fraction) + "Z") as Timestamp;
}

/** `5` → `500`, `000` → ``, `1234` → `123400`: the shortest of 0, 3, 6 or 9 digits. */
function canonicalFraction(fraction: string): string {
  const nine = fraction.padEnd(9, "0");
  if (nine === "000000000") return "";
  if (nine.endsWith("000000")) return nine.slice(0, 3);
  if (nine.endsWith("000")) return nine.slice(0, 6);
  return nine;
}

/** Compares canonical timestamps without building numbers: seconds, then the fraction. */
export function compareCanonical(a: Timestamp, b: Timestamp): number {
  for (let i = 0; i < 19; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  for (let i = 20; i < 29; i++) {
    const d = fractionDigit(a, i) - fractionDigit(b, i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The digit at `i` of the fraction part, 0 past its end (`.5` is `.500000000`). */
function fractionDigit(ts: string, i: number): number {
  return i < ts.length - 1 ? ts.charCodeAt(i) - D0 : 0;
}

/** The number written by the digits in [start, end), or -1 if any is not a digit. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - D0;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
