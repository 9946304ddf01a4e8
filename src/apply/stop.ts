import { plural } from "../core/words.js";

/**
 * Why an apply stopped before reaching every row. The rows it never reached are reported as
 * skipped with this reason (in the results file, the summary, and one aggregated log line).
 */
export type StopKind =
  | "api-unavailable"
  | "rate-limited"
  | "lookup-failed"
  | "interrupted"
  /** Ctrl-C while the manifests were still read and checked, before any request. */
  | "interrupted-reading"
  /** Ctrl-C while `apply --plan` still read the saved plan, before any request. */
  | "interrupted-reading-plan"
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
  "interrupted-reading":
    "the apply was interrupted while reading the manifests; run the same command again",
  "interrupted-reading-plan":
    "the apply was interrupted while reading the saved plan; run the same command again",
  "fail-fast": "--fail-fast stopped the apply after the first failure",
  "report-failed":
    "a result could not be recorded (see the error above); run the same command again, not --retry-failed with this results file",
};

/** `3,320 rows skipped: the API stopped answering; run the same command again` */
export function formatSkippedLine(count: number, reason: string): string {
  return `${plural(count, "row")} skipped: ${reason}`;
}

/**
 * Why a row was skipped for a reason many rows share, as a code: the texts (its results line,
 * the one log line for all of them) derive from it, and nothing reads them back.
 */
export type SkipReason =
  /** The apply stopped before the row was reached, or before any request of it went out. */
  | { code: "not-attempted"; stop: StopKind }
  /** `--limit N`: the row's create or update came after the first N. */
  | { code: "beyond-limit"; limit: number }
  /** Guards refused the plan (`guards`: `--max-changes 10`), before any write. */
  | { code: "refused"; guards: string }
  /** Other rows are invalid: nothing is written while a row is invalid (no --skip-invalid). */
  | { code: "held-back" };

/** Why, in the words of the aggregated log line: `the API stopped answering; run ...`. */
export function describeSkip(skip: SkipReason): string {
  switch (skip.code) {
    case "not-attempted":
      return STOP_REASONS[skip.stop];
    case "beyond-limit":
      return `beyond --limit ${skip.limit}; run again without --limit to apply it`;
    case "refused":
      return `${skip.guards} refused the plan; nothing was written`;
    case "held-back":
      return "invalid rows in the manifests hold the whole apply back (nothing is written while a row is invalid); fix them, or add --skip-invalid to apply the valid rows";
    default:
      return skip satisfies never;
  }
}

/** The row's own line (results file, summary): `not attempted: the API stopped answering; ...`. */
export function formatSkip(skip: SkipReason): string {
  const done = skip.code === "not-attempted" ? "not attempted" : "not applied";
  return `${done}: ${describeSkip(skip)}`;
}
