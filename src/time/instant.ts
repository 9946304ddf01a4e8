import { MAX_EPOCH_SECONDS, MIN_EPOCH_SECONDS, SECONDS_PER_DAY } from "./calendar.js";
import { canonicalFraction } from "./fast-timestamp.js";
import type { Timestamp } from "./timestamp.js";

/**
 * Calendar arithmetic for the time readers: a wall-clock date and time as seconds counted
 * like Unix time (as if it were UTC), and canonical timestamps from epoch seconds plus the
 * fraction as written. Plain numbers, so a million rows build no Date or Temporal object.
 */

/** `00` .. `59`: two-digit numbers for times of day. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
/** `HH:MM:` per minute of the day, so a time of day is built in two concatenations, not five. */
const HOURS_MINUTES = Array.from(
  { length: 24 * 60 },
  (_, m) => `${TWO_DIGITS[Math.floor(m / 60)]}:${TWO_DIGITS[m % 60]}:`,
);
/** `YYYY-MM-DDT` per day since the epoch: a million rows span a few thousand days. */
const dayTexts = new Map<number, string>();
const MAX_CACHED_DAYS = 50_000;

/**
 * The canonical timestamp of `seconds` since the epoch plus a fraction written as up to nine
 * digits (`"5"` is half a second); undefined outside 0001..9999. Runs for every time of
 * every row: the date part is cached per day, the rest is concatenation.
 */
export function formatInstant(seconds: number, fraction: string): Timestamp | undefined {
  if (!(seconds >= MIN_EPOCH_SECONDS && seconds <= MAX_EPOCH_SECONDS)) return undefined;
  const day = Math.floor(seconds / SECONDS_PER_DAY);
  let date = dayTexts.get(day);
  if (date === undefined) {
    date = new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 11);
    if (dayTexts.size >= MAX_CACHED_DAYS) dayTexts.clear();
    dayTexts.set(day, date);
  }
  const ofDay = seconds - day * SECONDS_PER_DAY;
  const time = HOURS_MINUTES[Math.floor(ofDay / 60)]! + TWO_DIGITS[ofDay % 60]!;
  const digits = canonicalFraction(fraction);
  // The short tail first, then the date: each step below 13 characters is a flat copy, and
  // only the last makes a rope (V8), one per timestamp instead of two.
  return (date + (digits === "" ? `${time}Z` : `${time}.${digits}Z`)) as Timestamp;
}

/** `+02:00` for 7200, `-04:30` for -16200. */
export function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(seconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}
