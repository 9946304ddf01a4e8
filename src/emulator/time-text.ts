import { daysInMonth } from "../time/calendar.js";
import { parseTimestamp, type Timestamp, type TimestampResult } from "../time/timestamp.js";

/**
 * Fast paths over canonical timestamps (UTC, `Z`, 0/3/6/9 fractional digits), for the hot
 * loops: loading a million seeded runs, emitting durations, sorting. Plain number and
 * string work, no BigInt, no Date per call where it can be avoided.
 */

/** Canonical lengths: no fraction, or 3, 6, 9 fractional digits. */
const CANONICAL_LENGTHS = new Set([20, 24, 27, 30]);

/** Like parseTimestamp, but an input already in canonical form is checked without reformatting. */
export function readTimestamp(text: string): TimestampResult {
  if (isCanonical(text)) return { ok: true, value: text as Timestamp };
  return parseTimestamp(text);
}

/** `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`, a real date, digits trimmed as protojson does. */
function isCanonical(t: string): boolean {
  const n = t.length;
  if (!CANONICAL_LENGTHS.has(n) || t.charCodeAt(n - 1) !== 0x5a) return false;
  if (t[4] !== "-" || t[7] !== "-" || t[10] !== "T" || t[13] !== ":" || t[16] !== ":") return false;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return false;
  }
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  if (hour < 0 || minute < 0 || second < 0 || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  if (n === 20) return true;
  // The fewest of 3/6/9 digits: "…00.500Z", never "…00.500000Z" nor "…00.000Z".
  return t[19] === "." && digits(t, 20, n - 21) >= 0 && !t.endsWith("000Z");
}

/** The number written by `count` digits at `at`, or -1 if any is not a digit. */
function digits(t: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** True when canonical `a` is strictly before canonical `b`. */
export function isBefore(a: Timestamp, b: Timestamp): boolean {
  // Same length: same layout, so text order is time order.
  return a.length === b.length ? a < b : sortableTime(a) < sortableTime(b);
}

/** Fixed-width text that sorts like the instant (canonical forms differ in length). */
export function sortableTime(ts: Timestamp | undefined): string {
  if (ts === undefined) return "";
  const dot = ts.indexOf(".");
  const whole = dot === -1 ? ts.slice(0, -1) : ts.slice(0, dot);
  const frac = dot === -1 ? "" : ts.slice(dot + 1, -1);
  return `${whole}.${frac.padEnd(9, "0")}`;
}

/** protobuf Duration text of stop − start (`5400s`, `1.5s`), for stop after start. */
function durationText(start: Timestamp, stop: Timestamp): string {
  const [startSec, startNanos] = splitTime(start);
  const [stopSec, stopNanos] = splitTime(stop);
  let sec = stopSec - startSec;
  let nanos = stopNanos - startNanos;
  if (nanos < 0) {
    sec -= 1;
    nanos += 1_000_000_000;
  }
  return `${sec}${fractionText(nanos)}s`;
}

/**
 * A run's `duration`: stop − start, or start → now for an ongoing run (never negative);
 * none without a start time.
 */
export function runDuration(run: {
  startTime?: Timestamp;
  stopTime?: Timestamp;
}): string | undefined {
  if (run.startTime === undefined) return undefined;
  const stop = run.stopTime ?? (new Date().toISOString() as Timestamp);
  return isBefore(run.startTime, stop) ? durationText(run.startTime, stop) : "0s";
}

function splitTime(ts: Timestamp): [seconds: number, nanos: number] {
  const dot = ts.indexOf(".");
  const whole = dot === -1 ? ts.slice(0, -1) : ts.slice(0, dot);
  const frac = dot === -1 ? "" : ts.slice(dot + 1, -1);
  return [Date.parse(`${whole}Z`) / 1000, Number(frac.padEnd(9, "0"))];
}

/** `.5` → ".500", trimmed to 3, 6 or 9 digits; "" for 0. */
function fractionText(nanos: number): string {
  if (nanos === 0) return "";
  const digits = String(nanos).padStart(9, "0");
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}
