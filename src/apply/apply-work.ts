import { type ExecuteDeps, executeWork } from "./execute.js";
import type { Outcome, RowResult, Work } from "./work.js";

/**
 * Rows started per request slot. The pool bounds requests in flight; this bounds how many rows
 * wait for a slot: enough to keep every slot busy, few enough that memory stays flat and that
 * after Ctrl-C only rows already under way finish.
 */
const PENDING_ROWS_PER_SLOT = 2;

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
 * After an abort (Ctrl-C) no new row starts; rows in flight finish and are reported.
 */
export async function applyWork(
  work: AsyncIterable<Work>,
  options: ApplyWorkOptions,
): Promise<ApplyCounts> {
  const counts: ApplyCounts = { created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 };
  const pending = new Set<Promise<void>>();
  const maxPending = Math.max(4, options.concurrency * PENDING_ROWS_PER_SLOT);
  let stopped = false;

  const finish = (item: Work, outcome: Outcome) => {
    count(counts, outcome);
    if (outcome.status === "failed" && options.failFast) stopped = true;
    options.onResult({ clientKey: item.clientKey, source: item.source, outcome });
  };

  for await (const item of work) {
    if (options.signal?.aborted) break;
    if (stopped) {
      finish(item, skippedAfterFailure(item));
      continue;
    }
    const running: Promise<void> = executeWork(item, options).then((outcome) => {
      pending.delete(running);
      finish(item, outcome);
    });
    pending.add(running);
    if (pending.size >= maxPending) await Promise.race(pending);
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

function skippedAfterFailure(item: Work): Outcome {
  const action = item.kind === "skip" ? "invalid" : item.kind;
  return {
    status: "skipped",
    action,
    error: "not attempted: --fail-fast stopped after an earlier failure",
  };
}
