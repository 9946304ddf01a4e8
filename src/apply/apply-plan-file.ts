import { PlanFileError } from "../core/errors.js";
import { batchInFilters } from "../plan/batch-filter.js";
import { filterBudget, LOOKUP_PAGE_SIZE, lookupRuns, resolveAssetNames } from "../plan/lookup.js";
import { LOOKUP_BATCH_CELLS, SCALAR_CELLS } from "../plan/plan-changes.js";
import {
  checkPlanTarget,
  openPlanFile,
  type PlanFileStream,
  type SavedChange,
} from "../report/plan-file.js";
import { copyPlanFile } from "../report/plan-file-copy.js";
import { createPlanSummary } from "../report/summary.js";
import type { SiftClient } from "../sift/client.js";
import type { Run } from "../sift/schemas.js";
import type { ApplyResult } from "./apply.js";
import { applyWork, rowsAfter } from "./apply-work.js";
import {
  checkAssetIds,
  checkUpdateAgainstRun,
  collectAssetIds,
  isSavedUpdate,
} from "./check-plan-against-sift.js";
import { createdAsPlanned, holdsPlannedValues } from "./created-as-planned.js";
import type { ConflictPolicy, RowRef, RowResult, Work } from "./work.js";

/** Saved changes checked against Sift per lookup batch, at most. */
const CHECK_BATCH = 1000;
/**
 * Cells (see plan-changes.ts) checked per lookup batch, at most: one batch is in flight here,
 * where a plan keeps LOOKAHEAD_BATCHES. A saved change weighs its own fields and metadata, or
 * the metadata of the widest run looked up so far if more (an unchanged entry carries none);
 * the first batch, before any run was seen, is short.
 */
export const CHECK_BATCH_CELLS = 4 * LOOKUP_BATCH_CELLS;
const FIRST_CHECK_BATCH = 50;

export interface ApplyPlanFileOptions {
  path: string;
  client: SiftClient;
  /** Where this apply writes (API base URL or `local`): must be the plan's target. */
  target: string;
  /**
   * `sha256:...`: apply the file only if this is its digest, as the reviewer saw it (through a
   * channel the file does not control: the reviewed comment, a CI job's output).
   */
  expectDigest?: string;
  concurrency?: number;
  failFast?: boolean;
  signal?: AbortSignal;
  onResult?: (row: RowResult) => void;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface PlanFileApplyResult extends ApplyResult {
  /** The digest of the file applied (see plan-file-digest.ts). */
  digest: string;
}

/**
 * Applies exactly a saved plan: the reviewed requests, nothing re-planned. Before anything is
 * written, the whole file is checked: each request must be what its entry shows (see
 * plan-file-verify.ts), its digest the expected one, and its old values what Sift holds. A run
 * whose modifiedDate changed since the plan, or a create whose clientKey now exists, is skipped
 * and reported: the plan is stale for it, and a new plan will show why.
 */
export async function applyPlanFile(options: ApplyPlanFileOptions): Promise<PlanFileApplyResult> {
  const started = performance.now();
  // What is checked is what is applied: a private copy, read as often as needed.
  const copy = await copyPlanFile(options.path);
  try {
    const open = () => openPlanFile(options.path, copy.path);
    const opened = await open();
    checkPlanTarget(opened.head, options.target, options.path);
    // Read the whole file once before acting, so a broken plan leaves nothing half done.
    const plan = createPlanSummary();
    const assets = new Map<string, string>();
    const problems: string[] = [];
    let total = 0;
    try {
      for await (const change of opened.changes) {
        total++;
        plan[change.action]++;
        plan.warnings += change.warnings.length;
        for (const p of collectAssetIds(change, assets)) problems.push(`${change.clientKey}: ${p}`);
      }
    } catch (error) {
      throw nothingWritten(error);
    }
    const digest = opened.digest();
    refuseIf(problems, options.path);
    if (options.expectDigest !== undefined && options.expectDigest !== digest) {
      throw new PlanFileError(
        `${options.path} has the digest ${digest}, not ${options.expectDigest} (--expect-digest): it is not the plan that was reviewed; nothing was written`,
      );
    }
    await checkAgainstSift(open, assets, options);
    const { changes } = await open();
    let done = 0;
    const counts = await applyWork(checkedWork(changes, options.client), {
      client: options.client,
      concurrency: options.concurrency ?? 8,
      onConflict: keepPlannedCreate,
      signal: options.signal,
      failFast: options.failFast,
      onResult(row) {
        options.onResult?.(row);
        options.onProgress?.({ done: ++done, total });
      },
      unreached: async function* (reached) {
        const again = await open();
        for await (const change of rowsAfter(again.changes, reached)) yield savedRowRef(change);
      },
    });
    const interrupted = counts.stopped?.kind === "interrupted";
    return { ...counts, plan, elapsedMs: performance.now() - started, interrupted, digest };
  } finally {
    await copy.remove();
  }
}

/**
 * The entries' claims about Sift, before any write: old values and kept metadata of the runs to
 * update (looked up in the same batches apply uses), asset ids of the creates. One extra round
 * of lookups, for the updates only.
 */
async function checkAgainstSift(
  open: () => Promise<PlanFileStream>,
  assets: ReadonlyMap<string, string>,
  options: ApplyPlanFileOptions,
): Promise<void> {
  const problems: string[] = [];
  if (assets.size > 0) {
    const resolved = await resolveAssetNames(options.client, assets.keys());
    problems.push(...checkAssetIds(assets, resolved));
  }
  const { changes } = await open();
  for await (const batch of lookedUp(onlyUpdates(changes), options.client)) {
    for (const { change, now } of batch) {
      if (!isSavedUpdate(change)) continue;
      for (const p of checkUpdateAgainstRun(change, now))
        problems.push(`${change.clientKey}: ${p}`);
    }
  }
  refuseIf(problems, options.path);
}

async function* onlyUpdates(changes: AsyncIterable<SavedChange>): AsyncGenerator<SavedChange> {
  for await (const change of changes) if (isSavedUpdate(change)) yield change;
}

/** A broken file is refused before any request: say so. */
function nothingWritten(error: unknown): unknown {
  if (!(error instanceof PlanFileError) || error.message.includes("nothing was written"))
    return error;
  return new PlanFileError(`${error.message}; nothing was written`, { cause: error.cause });
}

/** How many problems the refusal lists. */
const MAX_LISTED_PROBLEMS = 5;

function refuseIf(problems: readonly string[], path: string): void {
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join("; ");
  const more =
    problems.length > MAX_LISTED_PROBLEMS
      ? `; and ${problems.length - MAX_LISTED_PROBLEMS} more`
      : "";
  throw new PlanFileError(
    `${path} does not match what Sift holds or what its entries show (was it edited?); nothing was written: ${listed}${more}`,
  );
}

function savedRowRef(change: SavedChange): RowRef {
  return { clientKey: change.clientKey, source: change.source, action: change.action };
}

async function* checkedWork(
  changes: AsyncIterable<SavedChange>,
  client: SiftClient,
): AsyncGenerator<Work> {
  for await (const batch of lookedUp(changes, client)) {
    yield* batch.map(({ change, now }) => checkChange(change, now));
  }
}

/**
 * Saved changes in lookup batches, each with the run Sift holds for it now (by clientKey; an
 * adopt's, which has none yet, by runId). Batches are bounded by cells (see CHECK_BATCH_CELLS).
 */
async function* lookedUp(
  changes: AsyncIterable<SavedChange>,
  client: SiftClient,
): AsyncGenerator<{ change: SavedChange; now: Run | undefined }[]> {
  let batch: SavedChange[] = [];
  let cells = 0;
  let limit = FIRST_CHECK_BATCH;
  /** Metadata entries of the widest run looked up so far. */
  let widest = 0;
  const check = async () => {
    const { looked, found } = await lookUpBatch(batch, client);
    for (const run of found) widest = Math.max(widest, run.metadata.length);
    batch = [];
    cells = 0;
    limit = CHECK_BATCH;
    return looked;
  };
  for await (const change of changes) {
    const weight = SCALAR_CELLS + Math.max(entriesOf(change), widest);
    if (batch.length >= limit || (batch.length > 0 && cells + weight > CHECK_BATCH_CELLS)) {
      yield await check();
    }
    batch.push(change);
    cells += weight;
  }
  if (batch.length > 0) yield await check();
}

/** The field entries and metadata values a saved change holds. */
function entriesOf(change: SavedChange): number {
  if (!("request" in change)) return 0;
  const run = "run" in change.request ? change.request.run : change.request;
  return change.fields.length + (run.metadata?.length ?? 0);
}

async function lookUpBatch(
  batch: SavedChange[],
  client: SiftClient,
): Promise<{ looked: { change: SavedChange; now: Run | undefined }[]; found: Iterable<Run> }> {
  // An adopt's run has no clientKey yet: it is looked up by runId.
  const adopts = batch.flatMap((c) => (c.action === "adopt" ? [c.runId] : []));
  const [byKey, byId] = await Promise.all([
    lookupRuns(
      client,
      batch.filter((c) => c.action !== "adopt").map((c) => c.clientKey),
    ),
    lookupRunIds(client, adopts),
  ]);
  const looked = batch.map((change) => ({
    change,
    now: change.action === "adopt" ? byId.get(change.runId) : byKey.get(change.clientKey),
  }));
  return { looked, found: [...byKey.values(), ...byId.values()] };
}

async function lookupRunIds(client: SiftClient, ids: string[]): Promise<Map<string, Run>> {
  const found = new Map<string, Run>();
  const filters = batchInFilters("run_id", ids, filterBudget(client, "/api/v2/runs"));
  await Promise.all(
    filters.map(async (filter) => {
      for await (const run of client.listAllRuns(filter, { pageSize: LOOKUP_PAGE_SIZE }))
        found.set(run.runId, run);
    }),
  );
  return found;
}

function checkChange(change: SavedChange, now: Run | undefined): Work {
  const row = { clientKey: change.clientKey, source: change.source };
  switch (change.action) {
    case "invalid":
      return { kind: "skip", ...row, failed: true, reason: change.problems.join("; ") };
    case "skip":
      return { kind: "skip", ...row, action: "skip", failed: false, reason: change.reason };
    case "create":
      // Applied before (this plan, a second time): the run holds what the create would give it.
      if (now !== undefined && createdAsPlanned(change.request, change.followUp, now)) {
        return { kind: "unchanged", ...row, runId: now.runId };
      }
      if (now !== undefined) {
        return {
          kind: "skip",
          ...row,
          runId: now.runId,
          failed: false,
          reason: "a run with this clientKey was created after the plan was made",
        };
      }
      return {
        kind: "create",
        ...row,
        call: change.call,
        body: change.request,
        followUp: change.followUp,
      };
    case "adopt":
    case "update":
    case "unarchive":
    case "archive":
    case "unchanged": {
      // Applied before: the run changed since the plan, but only by this very update.
      if (change.action !== "unchanged" && now?.runId === change.runId) {
        const adopted = change.action !== "adopt" || now.clientKey === change.clientKey;
        if (adopted && holdsPlannedValues(change.request.run, now)) {
          return { kind: "unchanged", ...row, runId: change.runId };
        }
      }
      const stale = staleness(change, now);
      if (stale) {
        const skip = { kind: "skip", action: change.action, ...row, runId: change.runId } as const;
        return { ...skip, failed: false, reason: stale };
      }
      if (change.action === "unchanged") return { kind: "unchanged", ...row, runId: change.runId };
      return {
        kind: "update",
        action: change.action,
        ...row,
        runId: change.runId,
        body: change.request,
      };
    }
    default:
      return change satisfies never;
  }
}

function staleness(
  change: { action: string; clientKey: string; runId: string; modifiedDate?: string },
  now: Run | undefined,
): string | undefined {
  if (now === undefined || now.runId !== change.runId) return "the run no longer exists as planned";
  if (change.action === "adopt" && now.clientKey !== undefined) {
    return `the run was given clientKey ${JSON.stringify(now.clientKey)} after the plan was made`;
  }
  if (now.modifiedDate !== change.modifiedDate) {
    return `the run changed in Sift after the plan was made (modifiedDate ${change.modifiedDate ?? "none"} → ${now.modifiedDate ?? "none"})`;
  }
  return undefined;
}

/**
 * A planned create that meets its clientKey: if an earlier attempt of this very create may have
 * committed (its answer lost), the run is ours — finish its follow-up. Otherwise someone else
 * made it after the plan: skip.
 */
const keepPlannedCreate: ConflictPolicy = (work, existing, ours) => {
  const row = { clientKey: work.clientKey, source: work.source };
  if (!ours && createdAsPlanned(work.body, work.followUp, existing)) {
    return { kind: "unchanged", ...row, runId: existing.runId };
  }
  if (!ours) {
    return {
      kind: "skip",
      ...row,
      runId: existing.runId,
      failed: false,
      reason: "a run with this clientKey was created after the plan was made",
    };
  }
  if (work.followUp === undefined) return { kind: "unchanged", ...row, runId: existing.runId };
  return {
    kind: "update",
    ...row,
    runId: existing.runId,
    body: {
      run: { ...work.followUp.run, runId: existing.runId },
      updateMask: work.followUp.updateMask,
    },
  };
};
