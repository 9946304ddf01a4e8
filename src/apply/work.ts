import type { RunSpec } from "../manifest/index.js";
import type { FollowUp } from "../plan/change.js";
import type { ResultRow } from "../report/results-file.js";
import type { SkipReason } from "./stop.js";
import type { CreateAdhocRunBody, CreateRunBody, Run, UpdateRunBody } from "../sift/schemas.js";

/**
 * One row's work, as apply executes it: from a live plan or a saved plan file alike.
 */
export type Work =
  | {
      kind: "create";
      clientKey: string;
      source: string;
      call: "CreateAdhocRun" | "CreateRun";
      body: CreateRunBody | CreateAdhocRunBody;
      followUp: FollowUp | undefined;
      /** The manifest run, when planned live: a 409 is reconciled by diffing against it. */
      spec?: RunSpec;
    }
  | {
      kind: "update";
      /** What this UpdateRun does, as reported: update by default. */
      action?: UpdateAction;
      clientKey: string;
      /** `runs.csv:3`; "" for an archive (no manifest holds the run). */
      source: string;
      runId: string;
      body: UpdateRunBody;
    }
  | { kind: "unchanged"; clientKey: string; source: string; runId: string }
  /** Decided before any request: an invalid row, a saved change that went stale, `--limit`. */
  | {
      kind: "skip";
      clientKey: string;
      source: string;
      runId?: string;
      reason: string;
      failed: boolean;
      /**
       * What the results show: `skip` for a row the sync mode rules out; `unplanned` for one held
       * back before it was planned (an invalid row or a guard stopped the apply); else what was
       * planned (default `invalid`).
       */
      action?: PlannedAction | "unplanned";
      /** A reason many rows share: logged once for all (see Outcome). */
      grouped?: boolean;
      /** With `grouped`: the reason's code (`reason` is its text). */
      skip?: SkipReason;
    };

/** The UpdateRuns of a plan, told apart in reports and counts. */
type UpdateAction = "update" | "adopt" | "unarchive" | "archive";

/** What was planned for a row. */
export type PlannedAction = "create" | UpdateAction | "unchanged" | "invalid" | "skip";

/** What became of one row. `action` is what was done, which a 409 can turn from create to update. */
export type Outcome =
  | { status: "ok"; action: "create"; runId: string; mask: string[]; run?: Run }
  | {
      status: "ok";
      action: UpdateAction;
      runId: string;
      mask: string[];
      /** The run as the write answered it (the sync cache checks it is now in sync). */
      run?: Run;
    }
  | { status: "ok"; action: "unchanged"; runId: string }
  | {
      status: "failed" | "skipped";
      /** `unplanned`: a row the apply never reached (it stopped first), so never planned. */
      action: PlannedAction | "unplanned";
      runId?: string;
      mask?: string[];
      error: string;
      /** Failed with no usable answer through the whole retry budget: the API may be down. */
      unavailable?: boolean;
      /** Failed because every attempt was answered 429: the API is rate limiting. */
      rateLimited?: boolean;
      /**
       * Skipped for a reason many rows share (the apply stopped, `--limit`): logged once for
       * all of them, not once per row.
       */
      grouped?: boolean;
      /** With `grouped`: why, as a code (`error` is its text, `describeSkip` the shared line's). */
      skip?: SkipReason;
    };

export interface RowResult extends RowRef {
  outcome: Outcome;
}

/** A manifest row (or saved change) by its key and place. */
export interface RowRef {
  clientKey: string;
  source: string;
  /** What was planned for it, when known. */
  action?: PlannedAction | "unplanned";
}

/**
 * What to do when a create answers 409 ALREADY_EXISTS: the run with this clientKey exists.
 * `ours` is true when an earlier attempt of this very create may have committed.
 * Returns the work that makes the existing run right (an update, or nothing), or a reason to skip.
 */
export type ConflictPolicy = (
  work: Extract<Work, { kind: "create" }>,
  existing: Run,
  ours: boolean,
) => Work;

/** What a row's work was going to do, as reported. */
export function actionOf(item: Work): PlannedAction | "unplanned" {
  if (item.kind === "skip") return item.action ?? "invalid";
  if (item.kind === "update") return item.action ?? "update";
  return item.kind;
}

/** The row as the results file and the failure lines show it. */
export function toResultRow(row: RowResult): ResultRow {
  const { outcome } = row;
  return {
    clientKey: row.clientKey,
    action: outcome.action,
    status: outcome.status,
    ...(outcome.runId !== undefined && { runId: outcome.runId }),
    ...("mask" in outcome &&
      outcome.mask !== undefined &&
      outcome.mask.length > 0 && { updateMask: outcome.mask }),
    ...("error" in outcome && { error: outcome.error }),
    source: row.source,
  };
}
