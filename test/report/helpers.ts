import type { Change } from "../../src/plan/change.js";
import type { PlanReport } from "../../src/report/plan-report.js";
import { countChange, createPlanSummary } from "../../src/plan/summary.js";

/** Feeds changes through a report the way the pipeline does: add each, then end with counts. */
export function feed(report: PlanReport, changes: Change[]): void {
  const summary = createPlanSummary();
  for (const change of changes) {
    report.add(change);
    countChange(summary, change);
  }
  report.end(summary);
}
