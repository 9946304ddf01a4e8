import type { RowsRead, UnreadManifests } from "../plan/rows-read.js";
import { type ApplyCounts, countOutcome, createApplyCounts } from "./apply-work.js";
import { turnByTurn } from "./row-refs.js";
import { formatSkip, type SkipReason } from "./stop.js";
import type { Outcome, RowRef, RowResult } from "./work.js";

/** Where a stopped reading left off, said before the rows read are listed. */
export interface ReadStop {
  unread: UnreadManifests & { unnamed?: number };
  /** The rows the listing names. */
  rows: number;
}

interface ReadStopListener {
  onResult?: (row: RowResult) => void;
  /**
   * Before the listing: a quit while it lists (a second signal, the stop's deadline) still
   * says where the reading stopped, and how many rows read it had not listed.
   */
  onReadStop?: (stop: ReadStop) => void;
}

/**
 * Ctrl-C while the manifests were still read and checked, before any request: every row read
 * until then is reported as skipped (not attempted), so the results and counts hold it; the
 * rest cannot be named, and `unread` says where the reading stopped. Nothing was written.
 */
export async function reportRowsRead(
  read: (Omit<RowsRead, "rows"> & { rows(): Iterable<RowRef> }) | undefined,
  listener: ReadStopListener,
  stop: "interrupted-reading" | "interrupted-reading-plan" = "interrupted-reading",
): Promise<ApplyCounts & { unread: ReadStop["unread"] }> {
  // Invalid rows read past those kept to name them: counted, not listed (the summary says so).
  const unnamed = read?.unnamed ?? 0;
  const unread = { ...(read?.unread ?? { files: [] }), ...(unnamed > 0 && { unnamed }) };
  listener.onReadStop?.({ unread, rows: read?.count ?? 0 });
  const counts = createApplyCounts();
  const skip: SkipReason = { code: "not-attempted", stop };
  const error = formatSkip(skip);
  for await (const row of turnByTurn(read?.rows() ?? [])) {
    const action = row.action ?? "unplanned";
    const outcome: Outcome = { status: "skipped", action, error, grouped: true, skip };
    countOutcome(counts, outcome);
    listener.onResult?.({ clientKey: row.clientKey, source: row.source, outcome });
  }
  counts.skipped += unnamed;
  return { ...counts, stopped: { kind: stop }, unread };
}
