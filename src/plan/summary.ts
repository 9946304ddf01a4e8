import { formatCount, plural } from "../core/words.js";
import type { Change } from "./change.js";

/** Counts of a plan, built one change at a time so a plan never needs to be held in memory. */
export interface PlanSummary {
  create: number;
  update: number;
  /** Runs without a clientKey given the row's (`runId`, `--adopt-by`). */
  adopt: number;
  /** `--archive-missing`: in-scope runs no manifest holds. */
  archive: number;
  /** `--archive-missing`: archived runs the manifests hold. */
  unarchive: number;
  unchanged: number;
  invalid: number;
  /** Rows the sync mode rules out (`--mode update-only` and no such run). */
  skip: number;
  /** Warnings over all changes (a change may carry several). */
  warnings: number;
}

export function createPlanSummary(): PlanSummary {
  return {
    create: 0,
    update: 0,
    adopt: 0,
    archive: 0,
    unarchive: 0,
    unchanged: 0,
    invalid: 0,
    skip: 0,
    warnings: 0,
  };
}

/** Adds one change to the counts (in place) and returns the summary. */
export function countChange(summary: PlanSummary, change: Change): PlanSummary {
  summary[change.action] += 1;
  if ("warnings" in change) summary.warnings += change.warnings.length;
  return summary;
}

/** Whether applying the plan would write anything (`--detailed-exitcode` answers 2 then). */
export function hasChanges(summary: PlanSummary): boolean {
  return summary.create + summary.update + summary.adopt + summary.archive + summary.unarchive > 0;
}

/**
 * `1 to create, 1 to update, 5 unchanged, 0 warnings` (with `2 to adopt`, `3 to archive`,
 * `1 to unarchive` and `2 invalid` when there are any).
 */
export function formatPlanCounts(summary: PlanSummary): string {
  const parts = [
    `${formatCount(summary.create)} to create`,
    `${formatCount(summary.update)} to update`,
    ...(summary.adopt > 0 ? [`${formatCount(summary.adopt)} to adopt`] : []),
    ...(summary.archive > 0 ? [`${formatCount(summary.archive)} to archive`] : []),
    ...(summary.unarchive > 0 ? [`${formatCount(summary.unarchive)} to unarchive`] : []),
    `${formatCount(summary.unchanged)} unchanged`,
    plural(summary.warnings, "warning"),
  ];
  if (summary.skip > 0) parts.push(`${formatCount(summary.skip)} skipped`);
  if (summary.invalid > 0) parts.push(`${formatCount(summary.invalid)} invalid`);
  return parts.join(", ");
}

/** The closing line of a plan report. */
export function formatPlanLine(summary: PlanSummary): string {
  if (!hasChanges(summary) && summary.invalid + summary.skip + summary.warnings === 0) {
    return "No changes. Sift matches the manifests.";
  }
  return `Plan: ${formatPlanCounts(summary)}.`;
}
