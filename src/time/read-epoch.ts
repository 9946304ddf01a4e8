import { Invalid, quote } from "../core/invalid.js";
import { formatInstant } from "./instant.js";
import type { Timestamp } from "./timestamp.js";

/** No format of a reader fits the text (not an error yet: the next format may). */
export const NO_MATCH = 0;

const EPOCH = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const NANOS_PER_SECOND = 1_000_000_000n;

/** A count of seconds/ms/µs/ns since the epoch, exactly (as BigInt: ns overflow a double). */
export function readEpoch(text: string, unitDigits: number): Timestamp | Invalid | typeof NO_MATCH {
  const m = EPOCH.exec(text);
  if (m === null) return NO_MATCH;
  const [, sign, whole, fraction = ""] = m;
  if (fraction.length > 9 - unitDigits) {
    return new Invalid(`${quote(text)} is more precise than a nanosecond`);
  }
  const scale = 10n ** BigInt(9 - unitDigits);
  const magnitude = BigInt(whole!) * scale + BigInt(fraction.padEnd(9 - unitDigits, "0") || "0");
  const nanos = sign === "-" ? -magnitude : magnitude;
  let seconds = nanos / NANOS_PER_SECOND;
  let rest = nanos - seconds * NANOS_PER_SECOND;
  if (rest < 0n) {
    seconds -= 1n;
    rest += NANOS_PER_SECOND;
  }
  const instant =
    seconds > BigInt(Number.MAX_SAFE_INTEGER) || seconds < -BigInt(Number.MAX_SAFE_INTEGER)
      ? undefined
      : formatInstant(Number(seconds), String(rest).padStart(9, "0"));
  return instant ?? new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`);
}
