import { daysInMonth } from "../time/calendar.js";

/**
 * runIds and modifiedDates in fixed bytes. Only values that come back exactly as they were
 * are stored: a lowercase UUID, and a timestamp in protojson's canonical form (UTC `Z`, 0, 3,
 * 6 or 9 fractional digits). Anything else is not cached (the row is simply looked up).
 */

const HEX = "0123456789abcdef";
/** Char code → hex digit value, -1 for anything but 0-9 and a-f (lowercase only). */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) DIGIT[HEX.charCodeAt(i)] = i;
const DASHES = [8, 13, 18, 23];

/** Writes the UUID's 16 bytes at `at`; false when `runId` is not a lowercase UUID. */
export function packRunId(runId: string, into: Uint8Array, at: number): boolean {
  if (runId.length !== 36) return false;
  for (const d of DASHES) if (runId.charCodeAt(d) !== 0x2d) return false;
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (j === 8 || j === 13 || j === 18 || j === 23) j++;
    const hi = DIGIT[runId.charCodeAt(j)] ?? -1;
    const lo = DIGIT[runId.charCodeAt(j + 1)] ?? -1;
    if (hi < 0 || lo < 0) return false;
    into[at + i] = (hi << 4) | lo;
    j += 2;
  }
  return true;
}

export function unpackRunId(from: Uint8Array, at: number): string {
  let text = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text += "-";
    const byte = from[at + i]!;
    text += HEX[byte >> 4]! + HEX[byte & 15]!;
  }
  return text;
}

const LENGTHS = new Set([20, 24, 27, 30]);

/**
 * [seconds since 1970, nanos], or undefined when the text would not come back the same from
 * unpackTimestamp (not UTC `Z`, not 0, 3, 6 or 9 canonical digits, no such day). Read char by
 * char: a million entries are packed per sync.
 */
export function packTimestamp(text: string): [number, number] | undefined {
  const length = text.length;
  if (!LENGTHS.has(length) || text.charCodeAt(length - 1) !== 0x5a) return undefined;
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== "T") return undefined;
  if (text[13] !== ":" || text[16] !== ":") return undefined;
  const digits = (from: number, to: number): number => {
    let value = 0;
    for (let i = from; i < to; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      value = value * 10 + d;
    }
    return value;
  };
  const year = digits(0, 4);
  const month = digits(5, 7);
  const day = digits(8, 10);
  const hour = digits(11, 13);
  const minute = digits(14, 16);
  const second = digits(17, 19);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  let nanos = 0;
  if (length > 20) {
    const width = length - 21;
    const fraction = text[19] === "." ? digits(20, length - 1) : -1;
    if (fraction < 0) return undefined;
    nanos = fraction * 10 ** (9 - width);
    const canonical = nanos % 1_000_000 === 0 ? 3 : nanos % 1_000 === 0 ? 6 : 9;
    if (nanos === 0 || canonical !== width) return undefined;
  }
  return [Date.UTC(year, month - 1, day, hour, minute, second) / 1000, nanos];
}

/** The last second unpacked, as text: runs written together share it (a million unpacked a night). */
let lastSeconds = Number.NaN;
let lastWhole = "";

export function unpackTimestamp(seconds: number, nanos: number): string {
  if (seconds !== lastSeconds) {
    lastWhole = new Date(seconds * 1000).toISOString().slice(0, 19);
    lastSeconds = seconds;
  }
  const whole = lastWhole;
  if (nanos === 0) return `${whole}Z`;
  const digits = String(nanos).padStart(9, "0");
  const width = nanos % 1_000_000 === 0 ? 3 : nanos % 1_000 === 0 ? 6 : 9;
  return `${whole}.${digits.slice(0, width)}Z`;
}

/** `text` (canonical) moved back by `seconds`, canonical again: the listing's lower bound. */
export function timestampMinus(text: string, seconds: number): string {
  const packed = packTimestamp(text);
  if (packed === undefined) throw new Error(`not a canonical timestamp: ${text}`);
  return unpackTimestamp(packed[0] - seconds, packed[1]);
}
