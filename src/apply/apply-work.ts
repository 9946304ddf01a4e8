import { ApiError, SyncError } from "../core/errors.js";
import type { Stopping } from "../core/stopping.js";
import { type ExecuteDeps, executeWork, isUnavailable, unchangedOutcome } from "./execute.js";
import { formatSkip, type SkipReason, type Stop, type StopKind } from "./stop.js";
import type { Outcome, RowRef, RowResult, Work } from "./work.js";

/**
 * Rows started per request slot. The pool bounds requests in flight; this bounds how many rows
 * wait for a slot: enough to keep every slot busy, few enough that memory stays flat and that
 * after Ctrl-C only rows already under way finish.
 */
const PENDING_ROWS_PER_SLOT = 2;
/**
 * Rows in a row that got no usable answer through their whole retry budget before no new row
 * starts: the API is down or unreachable, and trying each remaining row through its own budget
 * (about 11 s each) would take hours on a large manifest. One such row alone, bad luck under
 * faults, does not stop the apply.
 */
const MAX_UNAVAILABLE_IN_A_ROW = 3;

export interface ApplyCounts {
  created: number;
  updated: number;
  /** Runs without a clientKey given one (with any other field that differed). */
  adopted: number;
  archived: number;
  unarchived: number;
  unchanged: number;
  failed: number;
  skipped: number;
  /** Why the apply stopped before reaching every row (those rows are counted as skipped). */
  stopped?: Stop;
}

export interface ApplyWorkOptions extends ExecuteDeps {
  /**
   * Ctrl-C: once it stops, no new row starts; rows under way finish, or are cut off when it
   * aborts, and are reported. The client in `client` must carry it too (withStopping).
   */
  stopping?: Stopping;
  /** Stop starting rows after the first failure; the rest are reported as skipped. */
  failFast?: boolean;
  /** Requests in flight at most (the pool's limit), to size how many rows are started ahead. */
  concurrency: number;
  /**
   * Called once per row, as each completes. If it throws (the results file cannot be written),
   * no new row starts and the apply ends as stopped, with that error.
   */
  onResult(row: RowResult): void;
  /**
   * The rows after the first `reached` of the work stream, read again from their source with
   * no request: when the apply stops early, each is reported as skipped, so every row ends in
   * the results and the counts exactly once.
   */
  unreached(reached: number): AsyncIterable<RowRef>;
}

/**
 * Executes rows as they stream in, many at once, through the client's request pool.
 * Whatever stops it early (Ctrl-C, `--fail-fast`'s first failure, the API no longer
 * answering, a lookup failing for good), rows under way finish and are reported, and every
 * row not reached is reported as skipped with the reason. Throws only for what is not the
 * API's doing (a manifest that changed under it, a bug).
 */
export async function applyWork(
  work: AsyncIterable<Work>,
  options: ApplyWorkOptions,
): Promise<ApplyCounts> {
  const counts = createApplyCounts();
  const pending = new Set<Promise<void>>();
  const maxPending = Math.max(4, options.concurrency * PENDING_ROWS_PER_SLOT);
  /** Why no new row starts, once one should not. */
  let stop: Stop | undefined;
  let unavailableInARow = 0;
  let rateLimitedInARow = 0;
  /** Rows taken from the work stream (and reported, or under way). */
  let reached = 0;

  const finish = (row: RowRef, outcome: Outcome) => {
    countOutcome(counts, outcome);
    if (outcome.status === "ok") unavailableInARow = rateLimitedInARow = 0;
    if (outcome.status === "failed") {
      unavailableInARow = outcome.unavailable ? unavailableInARow + 1 : 0;
      rateLimitedInARow = outcome.rateLimited ? rateLimitedInARow + 1 : 0;
      if (options.failFast) stop ??= { kind: "fail-fast" };
      if (rateLimitedInARow >= MAX_UNAVAILABLE_IN_A_ROW) stop ??= { kind: "rate-limited" };
      if (unavailableInARow >= MAX_UNAVAILABLE_IN_A_ROW) stop ??= { kind: "api-unavailable" };
    }
    try {
      options.onResult({ clientKey: row.clientKey, source: row.source, outcome });
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      // The row is counted; it could not be recorded. Starting more rows would only write
      // more runs no results file holds.
      stop ??= { kind: "report-failed", error: error.message };
    }
  };

  try {
    for await (const item of work) {
      if (options.stopping?.stop.aborted) stop ??= { kind: "interrupted" };
      if (stop !== undefined) break; // this item is reported with the unreached ones
      reached++;
      if (item.kind === "unchanged") {
        // Nothing to send: reported now, not through a promise per row (a warm night's
        // million unchanged rows).
        finish(item, unchangedOutcome(item));
        continue;
      }
      const running: Promise<void> = executeWork(item, options).then((outcome) => {
        pending.delete(running);
        finish(item, outcome);
      });
      pending.add(running);
      if (pending.size >= maxPending) await Promise.race(pending);
    }
  } catch (error) {
    // Rows already sent may have written: their outcomes are reported whatever happens next.
    await Promise.allSettled(pending);
    if (!(error instanceof ApiError)) throw error;
    stop ??= {
      kind: stopKindOf(error),
      ...(error.reason !== "interrupted" && { error: error.message }),
    };
  }
  await Promise.all(pending);
  if (stop === undefined && options.stopping?.stop.aborted) stop = { kind: "interrupted" };
  if (stop !== undefined) {
    const skip: SkipReason = { code: "not-attempted", stop: stop.kind };
    const error = formatSkip(skip);
    let left = 0;
    for await (const row of options.unreached(reached)) {
      left++;
      const action = row.action ?? "unplanned";
      finish(row, { status: "skipped", action, error, grouped: true, skip });
    }
    // A stop with nothing left (the last row failed under --fail-fast) changed nothing; an
    // interruption may have cut off the last rows under way, and says so.
    if (left > 0 || stop.error !== undefined || stop.kind === "interrupted") counts.stopped = stop;
  }
  return counts;
}

/** Why a lookup's failure stopped the apply. */
function stopKindOf(error: ApiError): StopKind {
  if (error.reason === "interrupted") return "interrupted";
  if (error.reason === "rate-limited") return "rate-limited";
  return isUnavailable(error) ? "api-unavailable" : "lookup-failed";
}

export function createApplyCounts(): ApplyCounts {
  return {
    created: 0,
    updated: 0,
    adopted: 0,
    archived: 0,
    unarchived: 0,
    unchanged: 0,
    failed: 0,
    skipped: 0,
  };
}

/** Tallies a row the way the summary counts it. */
export function countOutcome(counts: ApplyCounts, outcome: Outcome): void {
  if (outcome.status === "failed") counts.failed++;
  else if (outcome.status === "skipped") counts.skipped++;
  else if (outcome.action === "create") counts.created++;
  else if (outcome.action === "update") counts.updated++;
  else if (outcome.action === "adopt") counts.adopted++;
  else if (outcome.action === "archive") counts.archived++;
  else if (outcome.action === "unarchive") counts.unarchived++;
  else counts.unchanged++;
}

/** The rows of `rows` after the first `reached`: what an early stop leaves unreached. */
export async function* rowsAfter<T>(rows: AsyncIterable<T>, reached: number): AsyncGenerator<T> {
  let index = 0;
  for await (const row of rows) if (index++ >= reached) yield row;
}
