import type { RowsRead, UnreadManifests } from "../plan/rows-read.js";
import { type ApplyCounts, countOutcome, createApplyCounts } from "./apply-work.js";
import { formatSkip, type SkipReason } from "./stop.js";
import type { Outcome, RowResult } from "./work.js";

/** Rows reported between two turns of the event loop: a second Ctrl-C is heard meanwhile. */
const ROWS_PER_TURN = 8192;

const READ_STOP_SKIP: SkipReason = { code: "not-attempted", stop: "interrupted-reading" };

/**
 * Ctrl-C while the manifests were still read and checked, before any request: every row read
 * until then is reported as skipped (not attempted), so the results and counts hold it; the
 * rest cannot be named, and `unread` says where the reading stopped. Nothing was written.
 */
export async function reportRowsRead(
  read: RowsRead | undefined,
  onResult: ((row: RowResult) => void) | undefined,
): Promise<ApplyCounts & { unread: UnreadManifests & { unnamed?: number } }> {
  const counts = createApplyCounts();
  const outcome: Outcome = {
    status: "skipped",
    action: "unplanned",
    error: formatSkip(READ_STOP_SKIP),
    grouped: true,
    skip: READ_STOP_SKIP,
  };
  let turn = 0;
  for (const row of read?.rows() ?? []) {
    countOutcome(counts, outcome);
    onResult?.({ clientKey: row.clientKey, source: row.source, outcome });
    if (++turn === ROWS_PER_TURN) {
      turn = 0;
      await new Promise((next) => setImmediate(next));
    }
  }
  // Invalid rows read past those kept to name them: counted, not listed (the summary says so).
  const unnamed = read?.unnamed ?? 0;
  counts.skipped += unnamed;
  return {
    ...counts,
    stopped: { kind: "interrupted-reading" },
    unread: { files: read?.unread.files ?? [], ...(unnamed > 0 && { unnamed }) },
  };
}
