import { type AdoptByRule, formatAdoptBy, formatDuration } from "../core/adopt-by.js";
import type { Problem } from "../core/errors.js";
import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import { formatSource, type RunSpec, type Source } from "../manifest/index.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import {
  type Agreement,
  allAgree,
  compareOnRules,
  nearMissWarning,
  someAgree,
  timeOffset,
} from "./agreement.js";
import type { Warning } from "./change.js";

/**
 * Which existing run a manifest run is about: the one with its clientKey, or one without a
 * clientKey to adopt (by the row's `runId`, or by `--adopt-by` fields). Pure: the lookups
 * gather the runs, this decides.
 */
export type Match =
  /** `warnings`: runs without a clientKey agree on some `--adopt-by` fields, not all. */
  | { kind: "none"; warnings?: Warning[] }
  | { kind: "existing"; run: Run }
  | { kind: "adopt"; run: Run; by: string }
  | { kind: "conflict"; problems: Problem[] };

/** What one lookup batch found. */
export interface Found {
  /** By clientKey. */
  byKey: ReadonlyMap<string, Run>;
  /** By runId, for the rows that name one. */
  byId: ReadonlyMap<string, Run>;
  /** Runs without a clientKey that may agree with rows on the `--adopt-by` fields. */
  keyless: readonly Run[];
}

export interface MatchOptions {
  /** `--adopt-by`, read (core/adopt-by.ts). */
  adoptBy: readonly AdoptByRule[];
  keyTypes: ReadonlyMap<string, KeyTypeName>;
  /** With nfc (the default), a name or string value Sift holds in NFD agrees with the row's NFC. */
  unicode?: UnicodeMode;
  /**
   * runId → the rows of the batch that agree with the run on every field (batchMatches): no
   * near miss for the others; with a tolerance, none adopts a run two rows agree with.
   */
  matched?: ReadonlyMap<string, readonly Source[]>;
  /** runId → the row that adopts it, so far: two rows never adopt the same run. */
  claimed: Map<string, Source>;
}

export function matchRun(spec: RunSpec, found: Found, options: MatchOptions): Match {
  const problem = (message: string): Match => ({
    kind: "conflict",
    problems: [{ file: spec.source.file, line: spec.source.line, field: "runId", message }],
  });
  const byKey = found.byKey.get(spec.clientKey);
  if (byKey !== undefined) {
    if (spec.runId !== undefined && spec.runId !== byKey.runId) {
      return problem(
        `${spec.runId} is not the run of clientKey ${JSON.stringify(spec.clientKey)}: that is run ${byKey.runId}`,
      );
    }
    return { kind: "existing", run: byKey };
  }
  if (spec.runId !== undefined) {
    const run = found.byId.get(spec.runId);
    if (run === undefined) return problem(`no run ${spec.runId} exists in Sift`);
    if (run.clientKey !== undefined) {
      return problem(
        `run ${run.runId} has clientKey ${JSON.stringify(run.clientKey)}, not ${JSON.stringify(spec.clientKey)} (a clientKey cannot be changed once set)`,
      );
    }
    return claim(spec, run, "runId", options) ?? { kind: "adopt", run, by: "runId" };
  }
  if (options.adoptBy.length === 0) return { kind: "none" };
  const agreements = compareKeyless(spec, found, options);
  const matches = agreements.filter(allAgree);
  if (matches.length === 0) {
    const near = agreements.filter(
      (a) =>
        someAgree(a) && !options.matched?.has(a.run.runId) && !options.claimed.has(a.run.runId),
    );
    if (near.length === 0) return { kind: "none" };
    return { kind: "none", warnings: [nearMissWarning(spec, near, options.adoptBy)] };
  }
  const by = formatAdoptBy(options.adoptBy);
  const invalid = (message: string): Match => ({
    kind: "conflict",
    problems: [{ file: spec.source.file, line: spec.source.line, message }],
  });
  if (matches.length > 1) {
    const runs = matches
      .map((a) => a.run.runId + offsetsOf(spec, a, options.adoptBy))
      .sort()
      .join(", ");
    const within = tolerant(options.adoptBy) ? " within the tolerance" : "";
    return invalid(
      `--adopt-by ${by}: ${matches.length} runs without a clientKey match${within} (${runs}); add a runId column to choose one`,
    );
  }
  const run = matches[0]!.run;
  const rows = options.matched?.get(run.runId);
  if (rows !== undefined && rows.length > 1 && tolerant(options.adoptBy)) {
    return invalid(
      `--adopt-by ${by}: run ${run.runId} (${JSON.stringify(run.name)}) matches ${rows.length} rows within the tolerance (${rows.map(formatSource).join(", ")}); none adopts it: give the right row its runId`,
    );
  }
  return claim(spec, run, by, options) ?? { kind: "adopt", run, by };
}

function compareKeyless(spec: RunSpec, found: Found, options: MatchOptions): Agreement[] {
  const row = { spec };
  const compare = { keyTypes: options.keyTypes, unicode: options.unicode ?? DEFAULT_UNICODE };
  const agreements: Agreement[] = [];
  for (const run of found.keyless) {
    // NOTE: checked again, whatever the lookup asked for: a run with a clientKey is never adopted.
    if (run.clientKey === undefined)
      agreements.push(compareOnRules(row, run, options.adoptBy, compare));
  }
  return agreements;
}

function tolerant(rules: readonly AdoptByRule[]): boolean {
  return rules.some((r) => r.toleranceNs > 0n);
}

/** ` (startTime +2 min)`: where a run matched within a tolerance. */
function offsetsOf(spec: RunSpec, agreement: Agreement, rules: readonly AdoptByRule[]): string {
  const parts: string[] = [];
  for (const rule of rules) {
    if (rule.toleranceNs === 0n) continue;
    const offset = timeOffset(spec, agreement.run, rule);
    if (offset === undefined || offset === 0n) continue;
    parts.push(`${rule.field} ${offset < 0n ? "−" : "+"}${formatDuration(offset)}`);
  }
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

/**
 * runId → the rows of a batch that agree with the run on every `--adopt-by` field. Such a run
 * is no near miss for the batch's other rows; and with a tolerance, one run may be within
 * reach of two rows (10:00 and 10:05, the run at 10:03): which one it is cannot be told, so
 * neither adopts it (`contested`).
 */
export function batchMatches(
  specs: readonly RunSpec[],
  found: Found,
  options: MatchOptions,
): Map<string, Source[]> {
  const rows = new Map<string, Source[]>();
  if (found.keyless.length === 0) return rows;
  for (const spec of specs) {
    if (spec.runId !== undefined || found.byKey.has(spec.clientKey)) continue;
    for (const agreement of compareKeyless(spec, found, options)) {
      if (!allAgree(agreement)) continue;
      const list = rows.get(agreement.run.runId) ?? [];
      list.push(spec.source);
      rows.set(agreement.run.runId, list);
    }
  }
  return rows;
}

/** Records the adoption; a conflict when an earlier row already adopts this run. */
function claim(spec: RunSpec, run: Run, by: string, options: MatchOptions): Match | undefined {
  const earlier = options.claimed.get(run.runId);
  if (earlier !== undefined) {
    return {
      kind: "conflict",
      problems: [
        {
          file: spec.source.file,
          line: spec.source.line,
          ...(by === "runId" && { field: "runId" }),
          message: `run ${run.runId} is already adopted by ${formatSource(earlier)} (two rows cannot adopt one run)`,
        },
      ],
    };
  }
  options.claimed.set(run.runId, spec.source);
  return undefined;
}
