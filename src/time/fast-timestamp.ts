import { civilFromDays, daysFromCivil, daysInMonth, SECONDS_PER_DAY } from "./calendar.js";
import type { Timestamp } from "./timestamp.js";

/**
 * A shortcut for timestamps as exports from other systems usually write them
 * (`2024-01-31T12:00:00.5Z`, `2024-01-31T14:00:00+02:00`). parseTimestamp builds Dates and
 * BigInts; on a million-row CSV that was a quarter of the time. Anything unusual goes the
 * long way, and a property test checks that both agree.
 */

const D0 = 48; // "0"

/**
 * The canonical form of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, without building a
 * Date; undefined for anything else (lowercase, errors, out of range), which parseTimestamp
 * then reads or explains.
 */
export function readTimestampFast(text: string): Timestamp | undefined {
  const utc = text.charCodeAt(text.length - 1) === 90; // Z
  const end = utc ? text.length - 1 : text.length - 6; // where the fraction (or seconds) ends
  if (end < 19 || end > 29 || end === 20) return undefined;
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (end > 19 && (text.charCodeAt(19) !== 46 || digits(text, 20, end) < 0)) return undefined; // .
  // Most timestamps are canonical already: return them as they are, building nothing.
  if (utc && isCanonicalFraction(text, end)) return text as Timestamp;
  const fraction = end > 19 ? canonicalFraction(text.slice(20, end)) : "";
  const suffix = fraction === "" ? "Z" : "." + fraction + "Z";
  if (utc) return (text.slice(0, 19) + suffix) as Timestamp;
  const offset = readOffsetSeconds(text, end);
  if (offset === undefined) return undefined;
  const local =
    daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  const instant = formatSeconds(local - offset);
  return instant === undefined ? undefined : ((instant + suffix) as Timestamp);
}

/** `+02:00` → 7200, `-04:30` → -16200; undefined when malformed or out of range. */
function readOffsetSeconds(text: string, at: number): number | undefined {
  const sign = text.charCodeAt(at);
  if ((sign !== 43 && sign !== 45) || text.charCodeAt(at + 3) !== 58) return undefined; // + - :
  const hours = digits(text, at + 1, at + 3);
  const minutes = digits(text, at + 4, at + 6);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return undefined;
  return (sign === 45 ? -1 : 1) * (hours * 3600 + minutes * 60);
}

/** `YYYY-MM-DDTHH:MM:SS` for seconds since the epoch, when the year is 0001..9999. */
function formatSeconds(seconds: number): string | undefined {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const ofDay = seconds - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  if (year < 1 || year > 9999) return undefined;
  const hh = Math.floor(ofDay / 3600);
  const mm = Math.floor((ofDay % 3600) / 60);
  const ss = ofDay % 60;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Whether the fraction in [20, end) is none, or 3, 6 or 9 digits not ending in `000`. */
function isCanonicalFraction(text: string, end: number): boolean {
  const length = end - 20;
  if (length < 0) return true;
  return (length === 3 || length === 6 || length === 9) && digits(text, end - 3, end) !== 0;
}

/** `5` → `500`, `000` → ``, `1234` → `123400`: the shortest of 0, 3, 6 or 9 digits. */
export function canonicalFraction(fraction: string): string {
  if (fraction === "") return "";
  const nine = fraction.length === 9 ? fraction : fraction.padEnd(9, "0");
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
