import type { Refusal } from "../core/errors.js";
import type { Change } from "../plan/change.js";
import type { Failure } from "./failure.js";
import type { PlanSummary } from "../plan/summary.js";

/** Where a report writes: process.stdout, a test's string sink. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * A plan report fed one change at a time, so a plan of any size streams through it:
 * `add` each change as the plan produces it, then `end` with the counts. A plan that fails
 * still ends its report, with the counts of the changes decided and the `failure`, so the
 * output is one complete document (a saved plan file is removed instead).
 */
export interface PlanReport {
  add(change: Change): void;
  /**
   * `saved`: the plan file `--out` wrote, whose digest the report shows. `refusals`: the guards
   * that refuse the plan (exit 3), which the report states with the limit and the override.
   */
  end(
    summary: PlanSummary,
    failure?: Failure,
    saved?: SavedPlanRef,
    refusals?: readonly Refusal[],
  ): void;
}

/** A saved plan as reports name it: where, and its digest (`sha256:...`, see plan-file-digest.ts). */
export interface SavedPlanRef {
  path: string;
  digest: string;
}

/** One report feeding several (e.g. the table on stdout and the plan file of `--out`). */
export function combineReports(...reports: PlanReport[]): PlanReport {
  return {
    add(change) {
      for (const r of reports) r.add(change);
    },
    end(summary, failure, saved, refusals) {
      for (const r of reports) r.end(summary, failure, saved, refusals);
    },
  };
}
