/**
 * Why an apply stopped before reaching every row. The rows it never reached are reported as
 * skipped with this reason (in the results file, the summary, and one aggregated log line).
 */
export type StopKind = "api-unavailable" | "lookup-failed" | "interrupted" | "fail-fast";

export interface Stop {
  kind: StopKind;
  /** The error that stopped it (a lookup failing for good), when one did. */
  error?: string;
}

/** Why a row was not attempted, as its results line and the aggregated log line say it. */
export const STOP_REASONS: Record<StopKind, string> = {
  "api-unavailable": "the API stopped answering; run the same command again",
  "lookup-failed": "a lookup of existing runs failed; run the same command again",
  interrupted: "the apply was interrupted; run the same command again",
  "fail-fast": "--fail-fast stopped the apply after the first failure",
};

/** `3,320 rows skipped: the API stopped answering; run the same command again` */
export function formatSkippedLine(count: number, reason: string): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "row" : "rows"} skipped: ${reason}`;
}
