import { fromEpochNanos, type Timestamp, toEpochNanos } from "../time/timestamp.js";
import { celString } from "./cel.js";

/**
 * The CEL clauses of the ListRuns filters that find runs by their times or a metadata value
 * (adopting runs without a clientKey): `>=`/`<=` ranges on times, equality on metadata.
 */

const NANOS_PER_SECOND = 1_000_000_000n;
/**
 * Rows' times this close together share one range: the runs between them are listed too, and
 * a backfill's consecutive runs cost one range instead of one each.
 */
export const RANGE_MERGE_GAP_NS = 60n * NANOS_PER_SECOND;
/** A range never spans more than this: a batch of rows never lists a whole campaign. */
export const MAX_RANGE_NS = 3600n * NANOS_PER_SECOND;

/** An inclusive range of instants, to the nanosecond. */
export interface TimeRange {
  from: bigint;
  to: bigint;
}

/**
 * The rows' instants as few bounded ranges: each instant widened to its whole second (so a
 * server that keeps less than nanoseconds still finds the run; the local comparison is exact)
 * and by `toleranceNs` on both sides, neighbours closer than RANGE_MERGE_GAP_NS merged, no
 * merged range wider than MAX_RANGE_NS (one instant's range is as wide as its tolerance makes it).
 */
export function timeRanges(instants: readonly Timestamp[], toleranceNs = 0n): TimeRange[] {
  const seconds = [...new Set(instants.map((t) => floorSecond(toEpochNanos(t))))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const ranges: TimeRange[] = [];
  for (const second of seconds) {
    const from = second - toleranceNs;
    const to = second + NANOS_PER_SECOND - 1n + toleranceNs;
    const last = ranges.at(-1);
    if (
      last !== undefined &&
      from - last.to <= RANGE_MERGE_GAP_NS &&
      to - last.from < MAX_RANGE_NS
    ) {
      last.to = to;
    } else ranges.push({ from, to });
  }
  return ranges;
}

function floorSecond(nanos: bigint): bigint {
  const rest = nanos % NANOS_PER_SECOND;
  return nanos - (rest < 0n ? rest + NANOS_PER_SECOND : rest);
}

/** `(start_time >= timestamp('...') && start_time <= timestamp('...'))` */
export function rangeClause(field: string, range: TimeRange): string {
  const from = celString(fromEpochNanos(range.from));
  const to = celString(fromEpochNanos(range.to));
  return `(${field} >= timestamp(${from}) && ${field} <= timestamp(${to}))`;
}

/** A metadata value as a CEL literal. */
export function metadataLiteral(value: string | number | boolean): string {
  if (typeof value === "string") return celString(value);
  if (typeof value === "boolean") return String(value);
  // A double literal: metadata numbers are doubles, and CEL does not compare 3 with 3.0.
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? `${value}.0` : String(value);
}
