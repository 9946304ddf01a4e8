import {
  type AdoptByRule,
  formatAdoptBy,
  formatDuration,
  MAX_TOLERANCE_NS,
} from "../core/adopt-by.js";
import { toEpochNanos } from "../time/timestamp.js";
import { toNfc, type UnicodeMode } from "../core/unicode.js";
import type { RunSpec } from "../manifest/index.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import { canonicalTime } from "../time/canonical-time.js";
import type { Warning } from "./change.js";
import { readMetadataValue, resolveMetadata, sameTypedValue, type TypedValue } from "./metadata.js";

/**
 * How a row and a run without a clientKey compare on the `--adopt-by` fields: on each, agree
 * or not. Pure. All agree → the row may adopt the run; some → a near miss, which the plan
 * warns about (a second run would otherwise be made silently).
 */
export interface Agreement {
  run: Run;
  /** One per rule, in order. */
  agrees: boolean[];
}

export interface CompareOptions {
  keyTypes: ReadonlyMap<string, KeyTypeName>;
  unicode: UnicodeMode;
}

/** A row's metadata resolved once for all the runs it is compared with. */
export type ResolvedRow = { spec: RunSpec; metadata?: Map<string, TypedValue> | undefined };

export function compareOnRules(
  row: ResolvedRow,
  run: Run,
  rules: readonly AdoptByRule[],
  options: CompareOptions,
): Agreement {
  return { run, agrees: rules.map((rule) => agreesOnRule(row, run, rule, options)) };
}

export const allAgree = (a: Agreement) => a.agrees.every(Boolean);
export const someAgree = (a: Agreement) => a.agrees.some(Boolean) && !allAgree(a);

function agreesOnRule(
  row: ResolvedRow,
  run: Run,
  rule: AdoptByRule,
  options: CompareOptions,
): boolean {
  const { spec } = row;
  switch (rule.field) {
    case "name":
      return spec.name !== undefined && sameText(spec.name, run.name, options.unicode);
    case "startTime":
    case "stopTime": {
      const wanted = spec[rule.field];
      const held = canonicalTime(run[rule.field]);
      if (wanted === undefined || held === undefined) return false;
      if (wanted === held) return true;
      if (rule.toleranceNs === 0n) return false;
      const offset = toEpochNanos(held) - toEpochNanos(wanted);
      return (offset < 0n ? -offset : offset) <= rule.toleranceNs;
    }
    default: {
      const key = rule.field.slice("metadata.".length);
      row.metadata ??= resolveMetadata(spec, options.keyTypes, []);
      const wanted = row.metadata?.get(key);
      const entry = run.metadata.find((m) => m.key.name === key);
      const held = entry && readMetadataValue(entry);
      if (sameTypedValue(wanted, held)) return true;
      return (
        options.unicode === "nfc" &&
        typeof wanted?.value === "string" &&
        typeof held?.value === "string" &&
        wanted.type === held.type &&
        wanted.value === toNfc(held.value)
      );
    }
  }
}

function sameText(mine: string, sift: string, unicode: UnicodeMode): boolean {
  return mine === sift || (unicode === "nfc" && mine === toNfc(sift));
}

/** How far the run's time is from the row's on a time rule (undefined: either is unset). */
export function timeOffset(spec: RunSpec, run: Run, rule: AdoptByRule): bigint | undefined {
  if (rule.field !== "startTime" && rule.field !== "stopTime") return undefined;
  const wanted = spec[rule.field];
  const held = canonicalTime(run[rule.field]);
  if (wanted === undefined || held === undefined) return undefined;
  return toEpochNanos(held) - toEpochNanos(wanted);
}

/** `startTime differs by 5 min (Sift has 2024-02-01T10:05:00Z)`, `the row has no stopTime`. */
function describeDifference(spec: RunSpec, run: Run, rule: AdoptByRule): string {
  const field = rule.field;
  switch (field) {
    case "name":
      return spec.name === undefined
        ? "the row has no name"
        : `its name is ${JSON.stringify(run.name)}`;
    case "startTime":
    case "stopTime": {
      if (spec[field] === undefined) return `the row has no ${field}`;
      if (run[field] === undefined) return `it has no ${field}`;
      const offset = timeOffset(spec, run, rule)!;
      const within =
        rule.toleranceNs > 0n ? ` (beyond its ${formatDuration(rule.toleranceNs)} tolerance)` : "";
      return `${field} differs by ${formatDuration(offset)}${within}: ${canonicalTime(run[field])}`;
    }
    default: {
      const key = field.slice("metadata.".length);
      if (spec.metadata?.[key] === undefined) return `the row has no ${field}`;
      const entry = run.metadata.find((m) => m.key.name === key);
      const held = entry && readMetadataValue(entry);
      if (held === undefined) return `it has no ${field}`;
      return `${field} is ${JSON.stringify(held.value)}`;
    }
  }
}

/** Near misses named in one warning; the rest are counted. */
const MAX_NAMED_NEAR_MISSES = 3;

/**
 * The warning on a row that would be created although runs without a clientKey agree with it
 * on some of the `--adopt-by` fields: each run's name and id, the fields that agree and how
 * the others differ, and what would adopt it instead.
 */
export function nearMissWarning(
  spec: RunSpec,
  nearMisses: readonly Agreement[],
  rules: readonly AdoptByRule[],
): Warning {
  const ranked = [...nearMisses].sort(
    (a, b) => b.agrees.filter(Boolean).length - a.agrees.filter(Boolean).length,
  );
  const named = ranked.slice(0, MAX_NAMED_NEAR_MISSES).map((a) => {
    const agreed = rules.filter((_, i) => a.agrees[i]).map((r) => r.field);
    const differs = rules
      .filter((_, i) => !a.agrees[i])
      .map((r) => describeDifference(spec, a.run, r));
    return `run ${JSON.stringify(a.run.name)} (${a.run.runId}) agrees on ${agreed.join(", ")} but ${differs.join(", ")}`;
  });
  const more = ranked.length - named.length;
  const rest = more > 0 ? `; and ${more} more such runs` : "";
  const by = formatAdoptBy(rules);
  return {
    code: "adopt-near-miss",
    message: `--adopt-by ${by}: no run without a clientKey agrees on every field, so a new run is created; ${named.join("; ")}${rest}. To adopt ${ranked.length === 1 ? "it" : "one"}, give the row its runId${toleranceHint(spec, ranked[0]!, rules)}`,
  };
}

/** `, or allow a tolerance: --adopt-by name,startTime~10m` when only times differ, by little. */
function toleranceHint(spec: RunSpec, nearest: Agreement, rules: readonly AdoptByRule[]): string {
  const widened: string[] = [];
  for (const [i, rule] of rules.entries()) {
    if (nearest.agrees[i]) {
      widened.push(rule.text);
      continue;
    }
    const offset = timeOffset(spec, nearest.run, rule);
    if (offset === undefined) return "";
    const abs = offset < 0n ? -offset : offset;
    if (abs > MAX_TOLERANCE_NS) return "";
    widened.push(`${rule.field}~${roundUp(abs)}`);
  }
  return `, or allow a tolerance (--adopt-by ${widened.join(",")})`;
}

/** A tolerance just wider than `ns`, in whole seconds, minutes or hours. */
function roundUp(ns: bigint): string {
  const ceil = (unit: bigint) => (ns + unit) / unit; // strictly wider, at least 1
  if (ns < 60_000_000_000n) return `${ceil(1_000_000_000n)}s`;
  if (ns < 3_600_000_000_000n) return `${ceil(60_000_000_000n)}m`;
  return `${ceil(3_600_000_000_000n)}h`;
}
