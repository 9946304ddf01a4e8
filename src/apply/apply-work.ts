import { type ExecuteDeps, executeWork } from "./execute.js";
import type { Outcome, RowResult, Work } from "./work.js";

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
const FAIL_FAST_REASON = "not attempted: --fail-fast stopped after an earlier failure";

export interface ApplyCounts {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

export interface ApplyWorkOptions extends ExecuteDeps {
  /** Aborted (Ctrl-C): no new row starts; rows under way finish and are reported. */
  signal?: AbortSignal;
  /** Stop starting rows after the first failure; the rest are reported as skipped. */
  failFast?: boolean;
  /** Requests in flight at most (the pool's limit), to size how many rows are started ahead. */
  concurrency: number;
  /** Called once per row, as each completes. */
  onResult(row: RowResult): void;
}

/**
 * Executes rows as they stream in, many at once, through the client's request pool.
 * After an abort (Ctrl-C) no new row starts; rows in flight finish and are reported. After
 * `--fail-fast`'s first failure, or once the API stops answering, the rest are reported as
 * skipped.
 */
export async function applyWork(
  work: AsyncIterable<Work>,
  options: ApplyWorkOptions,
): Promise<ApplyCounts> {
  const counts: ApplyCounts = { created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 };
  const pending = new Set<Promise<void>>();
  const maxPending = Math.max(4, options.concurrency * PENDING_ROWS_PER_SLOT);
  /** Why no new row starts (their outcome says it), once one should not. */
  let stopReason: string | undefined;
  let unavailableInARow = 0;

  const finish = (item: Work, outcome: Outcome) => {
    count(counts, outcome);
    if (outcome.status === "ok") unavailableInARow = 0;
    if (outcome.status === "failed") {
      unavailableInARow = outcome.unavailable ? unavailableInARow + 1 : 0;
      if (options.failFast) stopReason ??= FAIL_FAST_REASON;
      if (unavailableInARow >= MAX_UNAVAILABLE_IN_A_ROW) {
        stopReason ??= `not attempted: the API stopped answering (${unavailableInARow} runs in a row failed after every retry); run the same command again to finish`;
      }
    }
    options.onResult({ clientKey: item.clientKey, source: item.source, outcome });
  };

  try {
    for await (const item of work) {
      if (options.signal?.aborted) break;
      if (stopReason !== undefined) {
        finish(item, notAttempted(item, stopReason));
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
    // The stream of rows failed (a lookup failing for good): rows already sent may have
    // written, so they are reported before the error ends the apply (and its results file).
    await Promise.allSettled(pending);
    throw error;
  }
  await Promise.all(pending);
  return counts;
}

function count(counts: ApplyCounts, outcome: Outcome): void {
  if (outcome.status === "failed") counts.failed++;
  else if (outcome.status === "skipped") counts.skipped++;
  else if (outcome.action === "create") counts.created++;
  else if (outcome.action === "update") counts.updated++;
  else counts.unchanged++;
}

function notAttempted(item: Work, reason: string): Outcome {
  const action = item.kind === "skip" ? (item.action ?? "invalid") : item.kind;
  return { status: "skipped", action, error: reason };
}
