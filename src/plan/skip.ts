/**
 * Why the plan leaves a row out (a `skip` change), as a code; its text (the plan's table,
 * Markdown and JSON, the saved plan, the results file) comes from one table, and nothing reads
 * the text back.
 */
export type PlanSkipCode =
  /** `--mode update-only`, and no run has the row's clientKey. */
  "no-run-to-update";

const PLAN_SKIP_TEXTS: Record<PlanSkipCode, string> = {
  "no-run-to-update": "no run has this clientKey, and --mode update-only never creates one",
};

/** `no run has this clientKey, and --mode update-only never creates one` */
export function describePlanSkip(code: PlanSkipCode): string {
  return PLAN_SKIP_TEXTS[code];
}
