import type { RowsRead, UnreadManifests } from "../plan/rows-read.js";
import type { PlanFileStream, SavedChange } from "../report/plan-file.js";
import { type ApplyCounts, countOutcome, createApplyCounts } from "./apply-work.js";
import { turnByTurn } from "./row-refs.js";
import { formatSkip, type SkipReason } from "./stop.js";
import type { Outcome, RowRef, RowResult } from "./work.js";

/**
 * Ctrl-C while the manifests were still read and checked, before any request: every row read
 * until then is reported as skipped (not attempted), so the results and counts hold it; the
 * rest cannot be named, and `unread` says where the reading stopped. Nothing was written.
 */
export async function reportRowsRead(
  read: (Omit<RowsRead, "rows"> & { rows(): Iterable<RowRef> | AsyncIterable<RowRef> }) | undefined,
  onResult: ((row: RowResult) => void) | undefined,
  stop: "interrupted-reading" | "interrupted-reading-plan" = "interrupted-reading",
): Promise<ApplyCounts & { unread: UnreadManifests & { unnamed?: number } }> {
  const counts = createApplyCounts();
  const skip: SkipReason = { code: "not-attempted", stop };
  const error = formatSkip(skip);
  for await (const row of turnByTurn(read?.rows() ?? [])) {
    const action = row.action ?? "unplanned";
    const outcome: Outcome = { status: "skipped", action, error, grouped: true, skip };
    countOutcome(counts, outcome);
    onResult?.({ clientKey: row.clientKey, source: row.source, outcome });
  }
  // Invalid rows read past those kept to name them: counted, not listed (the summary says so).
  const unnamed = read?.unnamed ?? 0;
  counts.skipped += unnamed;
  return {
    ...counts,
    stopped: { kind: stop },
    unread: { files: read?.unread.files ?? [], ...(unnamed > 0 && { unnamed }) },
  };
}

/** The first `read` changes of the plan, as their rows, read again. */
export async function* firstChanges(
  open: () => Promise<PlanFileStream>,
  read: number,
): AsyncGenerator<RowRef> {
  let n = 0;
  for await (const change of (await open()).changes) {
    if (n++ >= read) return;
    yield savedRowRef(change);
  }
}

export function savedRowRef(change: SavedChange): RowRef {
  return { clientKey: change.clientKey, source: change.source, action: change.action };
}
