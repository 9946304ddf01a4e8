import type { CacheRecorder, CacheSession } from "../cache/cache-session.js";
import type { Change } from "./change.js";
import type { KnownInSync } from "./plan-changes.js";

/** With a cache: whether it was trusted, and how many runs Sift changed since it was written. */
export interface CacheUse {
  incremental: boolean;
  /** Rows the cache knew in sync: unchanged without a lookup. */
  knownInSync: number;
  changedInSift: number;
}

/** A cache session, with the planner's `knownInSync` counting how many rows it answered. */
export interface KnownCounter extends Required<Pick<KnownInSync, "knownInSync">> {
  session: CacheSession;
  counts(): CacheUse;
}

export function countKnown(session: CacheSession): KnownCounter {
  let known = 0;
  return {
    session,
    knownInSync(spec) {
      const run = session.knownInSync(spec);
      if (run !== undefined) known++;
      return run;
    },
    counts: () => ({
      incremental: session.incremental,
      knownInSync: known,
      changedInSift: session.changedInSift,
    }),
  };
}

/** A planned row: in sync (unchanged, no warning) is recorded as such; any other is not. */
export function noteInCache(recorder: CacheRecorder, change: Change): void {
  if (change.action === "archive") return;
  const inSync = inSyncRun(change);
  if (inSync) recorder.inSync(change.spec, inSync);
  else recorder.notInSync(change.spec);
}

/** The run of a change that leaves its row in sync (unchanged, no warning), else undefined. */
export function inSyncRun(change: Change): { runId: string; modifiedDate: string } | undefined {
  if (
    change.action === "unchanged" &&
    change.warnings.length === 0 &&
    change.modifiedDate !== undefined
  ) {
    return { runId: change.runId, modifiedDate: change.modifiedDate };
  }
  return undefined;
}
