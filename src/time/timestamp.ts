import { daysInMonth } from "./calendar.js";

/**
 * Timestamps at nanosecond precision. A JavaScript `Date` keeps milliseconds only, so
 * timestamps travel as strings in protojson's canonical form: UTC, `Z`, and 0, 3, 6 or 9
 * fractional digits. Each instant has exactly one canonical string, so two canonical
 * timestamps are the same instant exactly when the strings are equal.
 */

declare const canonical: unique symbol;
/** An RFC 3339 timestamp in canonical protojson form, e.g. `2024-01-31T12:00:00.5Z` is `...00.500Z`. */
export type Timestamp = string & { readonly [canonical]: true };

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export const TIMESTAMP_EXAMPLE = "2024-01-31T12:00:00Z";

export type TimestampResult = { ok: true; value: Timestamp } | { ok: false; reason: string };

/**
 * Reads an RFC 3339 timestamp that carries `Z` or an offset and up to 9 fractional digits.
 * Returns the canonical UTC form, or why it is not one.
 */
export function parseTimestamp(text: string): TimestampResult {
  const m = RFC3339.exec(text.trim());
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text.trim())) {
      return { ok: false, reason: "has no time zone (add Z or an offset like +02:00)" };
    }
    if (/\.\d{10,}/.test(text)) {
      return { ok: false, reason: "has more than 9 fractional digits" };
    }
    return { ok: false, reason: "is not an RFC 3339 timestamp" };
  }
  const [, ys, mos, ds, hs, mis, ss, frac = "", z, sign, ohs, oms] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  if (month < 1 || month > 12) return { ok: false, reason: "has no month " + mos };
  if (day < 1 || day > daysInMonth(year, month))
    return { ok: false, reason: `has no day ${ds} in that month` };
  if (hour > 23 || minute > 59 || second > 59)
    return { ok: false, reason: "has a time of day out of range" };
  let offsetMinutes = 0;
  if (!z) {
    const oh = Number(ohs);
    const om = Number(oms);
    if (oh > 23 || om > 59) return { ok: false, reason: "has an offset out of range" };
    offsetMinutes = (sign === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = utcMillis(year, month, day, hour, minute, second) - offsetMinutes * 60_000;
  if (ms < MIN_MS || ms > MAX_MS) {
    return { ok: false, reason: "is outside 0001-01-01 .. 9999-12-31" };
  }
  const nanos = Number(frac.padEnd(9, "0"));
  return { ok: true, value: formatTimestamp(ms, nanos) };
}

const MIN_MS = utcMillis(1, 1, 1, 0, 0, 0);
const MAX_MS = utcMillis(9999, 12, 31, 23, 59, 59);

/** Like Date.UTC, but years 0..99 mean themselves (Date.UTC maps them to 1900..1999). */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/** Canonical text for a whole-second instant (`ms`, a multiple of 1000) plus `nanos`. */
function formatTimestamp(ms: number, nanos: number): Timestamp {
  const base = new Date(ms).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  return (base + formatNanos(nanos) + "Z") as Timestamp;
}

function formatNanos(nanos: number): string {
  if (nanos === 0) return "";
  const digits = String(nanos).padStart(9, "0");
  if (nanos % 1_000_000 === 0) return "." + digits.slice(0, 3);
  if (nanos % 1_000 === 0) return "." + digits.slice(0, 6);
  return "." + digits;
}

/** Nanoseconds since the Unix epoch, exact. */
export function toEpochNanos(ts: Timestamp): bigint {
  const dot = ts.indexOf(".");
  const whole = dot === -1 ? ts.slice(0, -1) : ts.slice(0, dot);
  const frac = dot === -1 ? "" : ts.slice(dot + 1, -1);
  const ms = Date.parse(whole + "Z");
  return BigInt(ms / 1000) * 1_000_000_000n + BigInt(frac.padEnd(9, "0"));
}

/** Negative when a is before b, 0 when the same instant, positive after. */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  const d = toEpochNanos(a) - toEpochNanos(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** The canonical timestamp `nanos` nanoseconds after the epoch. */
export function fromEpochNanos(nanos: bigint): Timestamp {
  const sec = nanos >= 0n ? nanos / 1_000_000_000n : -((-nanos + 999_999_999n) / 1_000_000_000n);
  const rest = Number(nanos - sec * 1_000_000_000n);
  return formatTimestamp(Number(sec) * 1000, rest);
}
