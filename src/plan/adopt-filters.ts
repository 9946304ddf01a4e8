import { fromEpochNanos, type Timestamp, toEpochNanos } from "../time/timestamp.js";
import type { RunSpec } from "../manifest/spec.js";
import { celString } from "../sift/cel.js";
import type { KeyTypeName } from "../sift/schemas.js";
import { encodeQueryComponent } from "../sift/url.js";
import { batchInFilters, MAX_BATCH_VALUES } from "./batch-filter.js";
import type { AdoptByRule } from "../core/adopt-by.js";
import { textForms, type UnicodeMode } from "../core/unicode.js";
import { resolveMetadata } from "./metadata.js";

/**
 * The ListRuns filters that find the runs without a clientKey some rows may adopt, with only
 * the filters Sift's own clients use: `name in [...]`, and `>=`/`<=` ranges on times.
 * NOTE: no Sift source shows `in` on timestamp or metadata fields (sift-api.md), so none is
 * sent. The filters only narrow the candidates; `compareOnRules` (agreement.ts) compares every
 * `--adopt-by` field locally, so a server that matched more would change nothing.
 *
 * Which field narrows: `name` when listed (`client_key == null && name in [...]`); else the
 * first listed time, the rows' instants (widened by its tolerance) gathered into bounded
 * ranges; else the first metadata
 * key, as `metadata["k"] == v || ...` (equality on a metadata field, which Sift documents).
 */

/** Sift reads an unset field as null, so the runs that can be adopted are asked for directly. */
const KEYLESS = "client_key == null";

const NANOS_PER_SECOND = 1_000_000_000n;
/**
 * Rows' times this close together share one range: the runs between them are listed too, and
 * a backfill's consecutive runs cost one range instead of one each.
 */
export const RANGE_MERGE_GAP_NS = 60n * NANOS_PER_SECOND;
/** A range never spans more than this: a batch of rows never lists a whole campaign. */
export const MAX_RANGE_NS = 3600n * NANOS_PER_SECOND;

const OR_BYTES = encodeQueryComponent(" || ").length;

/** An inclusive range of instants, to the nanosecond. */
export interface TimeRange {
  from: bigint;
  to: bigint;
}

export function keylessFilters(
  specs: readonly RunSpec[],
  adoptBy: readonly AdoptByRule[],
  keyTypes: ReadonlyMap<string, KeyTypeName>,
  budget: number,
  unicode: UnicodeMode = "nfc",
): string[] {
  const prefix = `${KEYLESS} && `;
  const room = budget - encodeQueryComponent(prefix).length;
  if (adoptBy.some((r) => r.field === "name")) {
    const names = new Set<string>();
    for (const spec of specs) {
      if (spec.name === undefined) continue;
      // With nfc, a name Sift holds decomposed (NFD) agrees too: ask for both forms.
      for (const form of unicode === "keep" ? [spec.name] : textForms(spec.name)) names.add(form);
    }
    return batchInFilters("name", names, room).map((filter) => prefix + filter);
  }
  const time = adoptBy.find((r) => r.field === "startTime" || r.field === "stopTime");
  if (time !== undefined) {
    const at = time.field as "startTime" | "stopTime";
    const field = at === "startTime" ? "start_time" : "stop_time";
    const instants = specs.flatMap((s) => (s[at] === undefined ? [] : [s[at]]));
    const ranges = timeRanges(instants, time.toleranceNs);
    return batchDisjunctions(
      prefix,
      ranges.map((range) => rangeClause(field, range)),
      budget,
    );
  }
  const key = adoptBy[0]!.field.slice("metadata.".length);
  const literals = new Set<string>();
  for (const spec of specs) {
    const typed = resolveMetadata(spec, keyTypes, [])?.get(key);
    if (typed !== undefined) literals.add(metadataLiteral(typed.value));
  }
  const access = `metadata[${celString(key)}]`;
  const clauses = [...literals].map((literal) => `${access} == ${literal}`);
  return batchDisjunctions(prefix, clauses, budget);
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

function rangeClause(field: string, range: TimeRange): string {
  const from = celString(fromEpochNanos(range.from));
  const to = celString(fromEpochNanos(range.to));
  return `(${field} >= timestamp(${from}) && ${field} <= timestamp(${to}))`;
}

/** A metadata value as a CEL literal. */
function metadataLiteral(value: string | number | boolean): string {
  if (typeof value === "string") return celString(value);
  if (typeof value === "boolean") return String(value);
  // A double literal: metadata numbers are doubles, and CEL does not compare 3 with 3.0.
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? `${value}.0` : String(value);
}

/**
 * `prefix(c1 || c2 || ...)` filters, each within `budget` bytes once URL-encoded and at most
 * MAX_BATCH_VALUES clauses. A clause that cannot fit even alone is a bug (they are short).
 */
function batchDisjunctions(prefix: string, clauses: readonly string[], budget: number): string[] {
  const emptyBytes = encodeQueryComponent(`${prefix}()`).length;
  const filters: string[] = [];
  let batch: string[] = [];
  let bytes = emptyBytes;
  const flush = () => {
    if (batch.length > 0) filters.push(`${prefix}(${batch.join(" || ")})`);
    batch = [];
    bytes = emptyBytes;
  };
  for (const clause of clauses) {
    const added = encodeQueryComponent(clause).length + (batch.length > 0 ? OR_BYTES : 0);
    if (batch.length >= MAX_BATCH_VALUES || (batch.length > 0 && bytes + added > budget)) flush();
    const cost = encodeQueryComponent(clause).length + (batch.length > 0 ? OR_BYTES : 0);
    if (bytes + cost > budget) {
      throw new RangeError(
        `a filter clause of ${clause.length} characters does not fit in one request URL`,
      );
    }
    batch.push(clause);
    bytes += cost;
  }
  flush();
  return filters;
}
