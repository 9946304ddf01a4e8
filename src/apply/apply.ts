import { GuardError, type Refusal } from "../core/errors.js";
import { type Stopping, stoppingOf } from "../core/stopping.js";
import type { RunSpec } from "../manifest/index.js";
import type { CacheUse } from "../plan/cache-use.js";
import { inSyncRun, noteInCache } from "../plan/cache-use.js";
import type { Change } from "../plan/change.js";
import { diffRun } from "../plan/diff.js";
import { explainRefusal, guardFlag } from "../plan/guard.js";
import { resolveSettings, type SyncOptions } from "../plan/options.js";
import {
  archiveRefusal,
  changesRefusal,
  countPlan,
  planAll,
  totalChanges,
} from "../plan/planner.js";
import { fileSkipsOf, type Prepared, readManifests, resolveAgainstSift } from "../plan/prepare.js";
import { countChange, createPlanSummary, type PlanSummary } from "../plan/summary.js";
import type { SiftClient } from "../sift/client.js";
import { withStopping } from "../sift/stoppable.js";
import type { RowsRead, UnreadManifests } from "../plan/rows-read.js";
import { type ApplyCounts, applyWork, rowsAfter } from "./apply-work.js";
import { heldBack } from "./held-back.js";
import { type ReadStop, reportRowsRead } from "./read-stop.js";
import { rowRefs } from "./row-refs.js";
import { reconcileByDiff, workFromChange } from "./from-change.js";
import { refusedForInvalidRows, refusedRows } from "./refused-rows.js";
import { formatSkip, type SkipReason } from "./stop.js";
import { actionOf, type RowResult, type Work } from "./work.js";

/** Requests in flight at most, by default (`--concurrency`). */
const DEFAULT_CONCURRENCY = 8;

/** `apply` (from manifests; a saved plan is `applyPlanFile`). */
export interface ApplyOptions extends SyncOptions {
  client: SiftClient;
  /**
   * `--concurrency`: requests in flight at most; match the client's pool. Default: the sync
   * config's `options.concurrency`, else 8.
   */
  concurrency?: number;
  /** `--fail-fast`: stop after the first failed row; the rest are reported as skipped. */
  failFast?: boolean;
  /**
   * Stop (Ctrl-C): no new request starts, nor a retry; requests under way get `stopGraceMs`
   * to be answered, then are cut off. Every row is reported (cut off or not reached: skipped).
   */
  signal?: AbortSignal;
  /** How long requests under way may take after `signal`. Default 5 s (STOP_GRACE_MS). */
  stopGraceMs?: number;
  /** Instead of `signal`: both steps under the caller's control (a second Ctrl-C cuts off at once). */
  stopping?: Stopping;
  /** `--limit N`: apply only the first N creates and updates (a canary); the later ones are skipped. */
  limit?: number;
  /** Each change as planned, in manifest order. */
  onChange?: (change: Change) => void;
  /** Each row's result, as it completes. */
  onResult?: (row: RowResult) => void;
  /** Stopped while reading, before the rows read are listed: where it stopped (see ReadStop). */
  onReadStop?: (stop: ReadStop) => void;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface ApplyResult extends ApplyCounts {
  /** What the plan decided, before execution (for the rows reached). */
  plan: PlanSummary;
  elapsedMs: number;
  /** True when stopped by the signal before every row was reached. */
  interrupted: boolean;
  /**
   * Stopped while the manifests were still being validated, before any request: nothing was
   * written, every row read is reported as skipped, and this says where the reading stopped
   * (the rows after it cannot be named); `unnamed`: invalid rows read and counted, not listed.
   */
  unread?: UnreadManifests & { unnamed?: number };
  /** Keys given in `only` that no manifest run has. */
  missingKeys?: string[];
  /** Local times a `dst` rule decided, by rule (`dst: later`): count and the first place. */
  resolved?: Record<string, { count: number; first: string }>;
  /** With a cache: whether it was trusted, and how many runs Sift changed since it was written. */
  cache?: CacheUse;
}

/**
 * Makes Sift match the manifests: validates every row first (writing nothing if any is
 * invalid, unless `skipInvalid`), then streams lookups, creates and updates through one
 * bounded request pool. Safe to run again at any point: a second run writes nothing.
 * Whatever stops it early, every row is in the results (`onResult`) and counts once.
 *
 * @example
 * const result = await apply({ paths: ["manifests/"], client });
 * if (result.failed > 0) process.exitCode = 1;
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const own = options.stopping ? undefined : stoppingOf(options);
  try {
    const stopping = options.stopping ?? own;
    // Every request of the apply, lookups and writes, stops with it.
    const client = withStopping(options.client, stopping);
    return await applyStopping({ ...options, client, stopping });
  } finally {
    own?.dispose();
  }
}

async function applyStopping(options: ApplyOptions): Promise<ApplyResult> {
  const started = performance.now();
  const { client, stopping } = options;
  const settings = resolveSettings(options);
  /**
   * An apply refused for invalid rows still reports every row (nothing is sent): the rows a
   * refusal stream holds, through the same results as an apply, never stopped by --fail-fast.
   */
  const reportRefused = async (rows: AsyncIterable<Work>, total = 0) => {
    let told = 0;
    await applyWork(rows, {
      client,
      concurrency: 1,
      onConflict: () => {
        throw new Error("a refused apply sends nothing");
      },
      onResult(row) {
        options.onResult?.(row);
        options.onProgress?.({ done: ++told, total: Math.max(told, total) });
      },
      // NOTE: skips alone, each reported as it is read: none is left unreached.
      unreached: async function* () {},
    });
  };
  // Offline first: an invalid manifest stops here, before any request. So does Ctrl-C: nothing
  // was written, and a large manifest is not read to its end first.
  const readSignal = options.readSignal ?? stopping?.stop;
  let rowsRead: RowsRead | undefined;
  const read = await readManifests(
    { ...options, readSignal },
    {
      keys: settings.archiveMissing !== undefined,
      skips: fileSkipsOf(options, settings, client),
      onStopped: (rows) => (rowsRead = rows),
    },
  ).catch(async (error: unknown) => {
    if (readSignal?.aborted && error === readSignal.reason) return undefined;
    if (refusedForInvalidRows(error))
      await reportRefused(refusedRows(options, settings, client, { offline: true }));
    throw error;
  });
  if (read === undefined) {
    const counts = await reportRowsRead(rowsRead, options);
    return { ...counts, ...interrupted(started) };
  }
  const manifests = read;
  const plan = createPlanSummary();
  let prepared: Prepared | undefined;
  let total = manifests.runs;
  let done = 0;
  let changes = 0;
  /** Rows planned and not yet reported: what the cache records once their result is known. */
  const pending = new Map<string, Pending>();
  /**
   * NOTE: an unchanged row is reported as soon as it is taken (apply-work.ts), before the next
   * row is planned: its change waits here, not in `pending`. A Map set and deleted once per row
   * of a million made tables that outlived young collections (V8's heap profile): 50 MB of old
   * garbage a night (docs/performance.md, "4 December, evening").
   */
  let unchanged: Extract<Change, { action: "unchanged" }> | undefined;

  const limited = (work: Work): Work => {
    if (options.limit === undefined || (work.kind !== "create" && work.kind !== "update"))
      return work;
    if (++changes <= options.limit) return work;
    const skip: SkipReason = { code: "beyond-limit", limit: options.limit };
    return {
      kind: "skip",
      clientKey: work.clientKey,
      source: work.source,
      ...(work.kind === "update" && { runId: work.runId }),
      action: actionOf(work),
      failed: false,
      grouped: true,
      skip,
      reason: formatSkip(skip),
    };
  };

  // Everything that asks the API runs inside the stream, so that an API gone at any point
  // ends with every row reported (as skipped), not with an exception and rows lost.
  async function* work(): AsyncGenerator<Work> {
    const ready = await resolveAgainstSift(manifests, client, options, settings, {
      checkRows: true,
      stop: readSignal,
    });
    prepared = ready;
    total = totalChanges(ready);
    // Before the first write: a refused plan writes nothing, and every row says why.
    const refusals = [
      archiveRefusal(ready),
      settings.maxChanges && changesRefusal(ready, await countPlan(ready, client)),
    ].filter((r) => r !== undefined);
    if (refusals.length > 0) {
      const skip: SkipReason = { code: "refused", guards: refusals.map(guardFlag).join(" and ") };
      yield* heldBack(rowRefs(manifests, ready), skip);
      throw guardError(refusals);
    }
    const cache = ready.cache?.session;
    for await (const change of planAll(ready, client)) {
      countChange(plan, change);
      options.onChange?.(change);
      if (cache && change.action === "unchanged") unchanged = change;
      else if (cache && change.action !== "archive")
        pending.set(change.spec.clientKey, { spec: change.spec, inSync: inSyncRun(change) });
      yield limited(workFromChange(change));
    }
  }

  /** The plan of a row now reported, taken from where it waited. */
  const takePlanned = (clientKey: string): Pending | undefined => {
    if (unchanged?.spec.clientKey === clientKey) {
      const change = unchanged;
      unchanged = undefined;
      return { spec: change.spec, inSync: inSyncRun(change) };
    }
    const planned = pending.get(clientKey);
    pending.delete(clientKey);
    return planned;
  };

  /** A row's result decides what the cache records: in sync only when it ended so. */
  const recordResult = (row: RowResult) => {
    const cache = prepared?.cache?.session;
    const planned = takePlanned(row.clientKey);
    if (cache === undefined || planned === undefined) return;
    const { outcome } = row;
    if (outcome.status !== "ok") return cache.notInSync(planned.spec);
    if (outcome.action === "unchanged") {
      if (planned.inSync) cache.inSync(planned.spec, planned.inSync);
      else cache.notInSync(planned.spec);
      return;
    }
    // NOTE: the run as the write answered it is diffed again: someone else's edit between the
    // lookup and the write would otherwise be taken as in sync, and missed the next night.
    const run = outcome.run;
    const again = run && prepared && diffRun(planned.spec, run, prepared.context, prepared.diff);
    if (again === undefined) return cache.notInSync(planned.spec);
    noteInCache(cache, again);
  };

  const counts = await applyWork(work(), {
    client,
    concurrency: options.concurrency ?? options.config?.options.concurrency ?? DEFAULT_CONCURRENCY,
    onConflict: (work, existing, ours) =>
      reconcileByDiff(prepared!.context, prepared!.diff)(work, existing, ours),
    stopping,
    failFast: options.failFast,
    onResult(row) {
      recordResult(row);
      options.onResult?.(row);
      options.onProgress?.({ done: ++done, total });
    },
    unreached: (reached) => rowsAfter(rowRefs(manifests, prepared), reached),
  }).catch(async (error: unknown) => {
    // Refused against Sift before any write: every row is still told, then the error.
    if (refusedForInvalidRows(error) && done === 0) {
      await reportRefused(
        refusedRows(options, settings, client, { offline: false, manifests }),
        manifests.runs,
      );
    }
    throw error;
  });
  // Rows not reached keep what the cache held; a stopped apply has not seen every row.
  await prepared?.cache?.session.save({
    complete: counts.stopped === undefined,
    pruneUnseen: options.only === undefined && options.limit === undefined,
  });
  return {
    ...counts,
    plan,
    elapsedMs: performance.now() - started,
    interrupted: counts.stopped?.kind === "interrupted",
    ...(options.only && { missingKeys: manifests.missingKeys }),
    resolved: manifests.resolved,
    ...(prepared?.cache && { cache: prepared.cache.counts() }),
  };
}

/** Stopped while the manifests were read (the rows read are skipped, the rest `unread`). */
function interrupted(started: number) {
  return { plan: createPlanSummary(), elapsedMs: performance.now() - started, interrupted: true };
}

interface Pending {
  spec: RunSpec;
  /** An unchanged row in sync (no warning): its run. */
  inSync?: { runId: string; modifiedDate: string };
}

/** The error of a refused apply: the first refusal's words, every refusal attached. */
function guardError(refusals: readonly Refusal[]): GuardError {
  return new GuardError(explainRefusal(refusals[0]!), { refusals });
}
