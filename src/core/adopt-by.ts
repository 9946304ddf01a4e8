/**
 * The `--adopt-by` grammar (also `options.adoptBy` in a sync config): fields a row and a run
 * without a clientKey must agree on, a time optionally with a tolerance
 * (`name,startTime~10m`). Pure, so the config schema (sources) and the plan share it.
 */

import { UsageError } from "./errors.js";

/** Fields `--adopt-by` can name; `metadata.<key>` too. */
const ADOPT_BY_FIELDS = ["name", "startTime", "stopTime"] as const;
export type AdoptByField = (typeof ADOPT_BY_FIELDS)[number] | `metadata.${string}`;
/** One entry as written: a field, or a time with a tolerance (`startTime~10m`). */
export type AdoptBySpec = AdoptByField | `${"startTime" | "stopTime"}~${string}`;

/** One entry, read. */
export interface AdoptByRule {
  /** As written: `startTime~10m`. */
  text: string;
  field: AdoptByField;
  /** Times: how far apart the row's and the run's may be and still agree, in ns (0n: exact). */
  toleranceNs: bigint;
}

/** A tolerance wider than this would list a campaign per row: refused. */
export const MAX_TOLERANCE_NS = 24n * 3600n * 1_000_000_000n;

const UNIT_NS: Record<string, bigint> = {
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  min: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const TOLERANCE = /^(\d{1,9})(ms|s|min|m|h)$/;
/** An entry's shape, for the config's JSON Schema (editors); readAdoptBy checks the rest. */
export const ADOPT_BY_PATTERN =
  /^(name|(startTime|stopTime)(~\d{1,9}(ms|s|min|m|h))?|metadata\..+)$/;

/** Why `entry` is not an `--adopt-by` entry, or undefined when it is one. */
export function adoptByProblem(entry: string): string | undefined {
  const read = readAdoptByEntry(entry);
  return typeof read === "string" ? read : undefined;
}

/**
 * The entries read (duplicates dropped), or the first entry's problem as a message
 * (`unknown field "nme" ...`).
 */
export function readAdoptBy(entries: readonly string[]): AdoptByRule[] | string {
  const rules: AdoptByRule[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const rule = readAdoptByEntry(entry);
    if (typeof rule === "string") return rule;
    if (seen.has(rule.field)) {
      const other = entries.find((e) => e !== entry && fieldOf(e) === rule.field);
      if (other === undefined) continue; // the same entry twice
      return `${rule.field} is listed twice (${JSON.stringify(other)} and ${JSON.stringify(entry)})`;
    }
    seen.add(rule.field);
    rules.push(rule);
  }
  return rules;
}

/** The entries read; a UsageError (`--adopt-by: unknown field ...`) for the first wrong one. */
export function parseAdoptBy(entries: readonly string[]): AdoptByRule[] {
  const rules = readAdoptBy(entries);
  if (typeof rules === "string") throw new UsageError(`--adopt-by: ${rules}`);
  return rules;
}

function fieldOf(entry: string): string {
  const tilde = entry.indexOf("~");
  return tilde === -1 ? entry : entry.slice(0, tilde);
}

function readAdoptByEntry(entry: string): AdoptByRule | string {
  const field = fieldOf(entry);
  const known = (ADOPT_BY_FIELDS as readonly string[]).includes(field);
  const metadataKey = field.startsWith("metadata.") && field.length > "metadata.".length;
  if (!known && !metadataKey) {
    return `unknown field ${JSON.stringify(field)} (expected some of ${ADOPT_BY_FIELDS.join(", ")}, metadata.<key>)`;
  }
  if (field === entry) return { text: entry, field: field as AdoptByField, toleranceNs: 0n };
  if (field !== "startTime" && field !== "stopTime") {
    return `${JSON.stringify(entry)}: a tolerance (~10m) is only for startTime and stopTime`;
  }
  const match = TOLERANCE.exec(entry.slice(field.length + 1));
  if (match === null) {
    return `${JSON.stringify(entry)}: the tolerance is a whole number with ms, s, m or h (e.g. ${field}~10m)`;
  }
  const toleranceNs = BigInt(match[1]!) * UNIT_NS[match[2]!]!;
  if (toleranceNs > MAX_TOLERANCE_NS) {
    return `${JSON.stringify(entry)}: a tolerance is at most 24h`;
  }
  return { text: entry, field, toleranceNs };
}

/** The entries as one flag value: `name,startTime~10m`. */
export function formatAdoptBy(rules: readonly AdoptByRule[]): string {
  return rules.map((r) => r.text).join(",");
}

/** `5 min`, `2 s`, `1.5 h`, `3 days`: a duration for messages. */
export function formatDuration(ns: bigint): string {
  const abs = ns < 0n ? -ns : ns;
  const steps: [bigint, string][] = [
    [86_400_000_000_000n, "days"],
    [3_600_000_000_000n, "h"],
    [60_000_000_000n, "min"],
    [1_000_000_000n, "s"],
    [1_000_000n, "ms"],
    [1_000n, "µs"],
  ];
  for (const [unit, name] of steps) {
    if (abs >= unit) {
      const value = Number((abs * 10n) / unit) / 10;
      return `${value.toLocaleString("en-US")} ${value === 1 && name === "days" ? "day" : name}`;
    }
  }
  return `${abs} ns`;
}
