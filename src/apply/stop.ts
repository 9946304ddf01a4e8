/**
 * Why an apply stopped before reaching every row. The rows it never reached are reported as
 * skipped with this reason (in the results file, the summary, and one aggregated log line).
 */
export type StopKind =
  | "api-unavailable"
  | "rate-limited"
  | "lookup-failed"
  | "interrupted"
  | "fail-fast"
  | "report-failed";

export interface Stop {
  kind: StopKind;
  /** The error that stopped it (a lookup failing for good), when one did. */
  error?: string;
}

/** Why a row was not attempted, as its results line and the aggregated log line say it. */
export const STOP_REASONS: Record<StopKind, string> = {
  "api-unavailable": "the API stopped answering; run the same command again",
  "rate-limited":
    "Sift kept answering 429 (rate limited); run the same command again later, or with a lower --concurrency or --max-rps",
  "lookup-failed": "a lookup of existing runs failed; run the same command again",
  interrupted: "the apply was interrupted; run the same command again",
  "fail-fast": "--fail-fast stopped the apply after the first failure",
  "report-failed":
    "a result could not be recorded (see the error above); run the same command again, not --retry-failed with this results file",
};

/** `3,320 rows skipped: the API stopped answering; run the same command again` */
export function formatSkippedLine(count: number, reason: string): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "row" : "rows"} skipped: ${reason}`;
}
