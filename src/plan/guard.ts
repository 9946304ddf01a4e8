import { formatCount, plural } from "../core/words.js";
import type { Refusal } from "../core/errors.js";

/**
 * `--max-changes N|P%`: a guard on how many runs one plan may write. It catches a broken
 * export (a shifted time zone, a renamed column) before it rewrites thousands of runs.
 */
export type ChangeLimit = { count: number } | { percent: number };

/** What a plan would write, per kind. `archive` counts runs archived (or unarchived). */
export interface GuardedCounts {
  create: number;
  update: number;
  archive?: number;
}

/**
 * What a plan's counts write, as the guard counts them: adoptions and unarchives are updates,
 * archives their own kind.
 */
export function guardedCounts(summary: {
  create: number;
  update: number;
  adopt: number;
  unarchive: number;
  archive: number;
}): GuardedCounts {
  return {
    create: summary.create,
    update: summary.update + summary.adopt + summary.unarchive,
    ...(summary.archive > 0 && { archive: summary.archive }),
  };
}

/** Runs the guard counts: creates + updates + archives. */
function countGuardedChanges(counts: GuardedCounts): number {
  return counts.create + counts.update + (counts.archive ?? 0);
}

/** The limit in runs, for `runs` runs in the manifests (`10%` of 1,005 runs is 100). */
function resolveLimit(limit: ChangeLimit, runs: number): number {
  return "count" in limit ? limit.count : Math.floor((runs * limit.percent) / 100);
}

/** `10%` or `250`, as the flag was given. */
function formatLimit(limit: ChangeLimit): string {
  return "count" in limit ? String(limit.count) : `${limit.percent}%`;
}

/**
 * Why the plan breaks `--max-changes`, or undefined when it does not:
 * `--max-changes 10%: the plan would change 250 runs (200 creates, 50 updates), more than 100 (10% of 1,005 runs)`.
 */
export function checkMaxChanges(
  limit: ChangeLimit,
  counts: GuardedCounts,
  runs: number,
): string | undefined {
  const changes = countGuardedChanges(counts);
  const allowed = resolveLimit(limit, runs);
  if (changes <= allowed) return undefined;
  const parts = [plural(counts.create, "create"), plural(counts.update, "update")];
  if (counts.archive !== undefined) parts.push(plural(counts.archive, "archive"));
  const of = "percent" in limit ? ` (${limit.percent}% of ${plural(runs, "run")})` : "";
  return `--max-changes ${formatLimit(limit)}: the plan would change ${plural(changes, "run")} (${parts.join(", ")}), more than ${formatCount(allowed)}${of}`;
}

/**
 * The refusal of `--max-changes` as reports record it, or undefined when the plan is within it.
 * Its message is checkMaxChanges's.
 */
export function refuseMaxChanges(
  limit: ChangeLimit,
  counts: GuardedCounts,
  runs: number,
): Refusal | undefined {
  const message = checkMaxChanges(limit, counts, runs);
  if (message === undefined) return undefined;
  const would = countGuardedChanges(counts);
  return {
    guard: "max-changes",
    limit: resolveLimit(limit, runs),
    given: formatLimit(limit),
    would,
    message,
    override: `--max-changes ${would}`,
  };
}

/** What to check before overriding a guard, as its `error:` line advises. */
const HINTS: Record<Refusal["guard"], string | undefined> = {
  "max-changes": undefined,
  "max-archive": "check the manifests and --scope, or raise --max-archive",
  "allow-empty": "an empty export is usually a broken one: check it, or add --allow-empty",
};

/**
 * The refusal as the `error:` line of a refused apply says it:
 * `--max-archive 10%: this plan would archive 2 of the 10 in-scope runs (20%); nothing was written (check ...)`.
 */
export function explainRefusal(refusal: Refusal): string {
  const hint = HINTS[refusal.guard];
  return `${refusal.message}; nothing was written${hint === undefined ? "" : ` (${hint})`}`;
}

/** `--max-changes 10`, `--allow-empty`: the guard as its flag names it. */
export function guardFlag(refusal: Refusal): string {
  return refusal.given === undefined ? `--${refusal.guard}` : `--${refusal.guard} ${refusal.given}`;
}

/** `N` or `P%` (P may have decimals, at most 100). Throws a RangeError with what was expected. */
export function parseChangeLimit(text: string): ChangeLimit {
  const value = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (percent) {
    const p = Number(percent[1]);
    if (p <= 100) return { percent: p };
  } else if (/^\d+$/.test(value)) {
    return { count: Number(value) };
  }
  throw new RangeError(
    "expected a number of runs (e.g. 500) or a percentage of the manifests' runs (e.g. 10%)",
  );
}
