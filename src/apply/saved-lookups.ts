import { batchInFilters } from "../sift/in-filter.js";
import { filterBudget } from "../sift/in-filter.js";
import { LOOKUP_PAGE_SIZE, lookupRuns, resolveAssetNames } from "../sift/lookup.js";
import { LOOKUP_BATCH_CELLS, SCALAR_CELLS } from "../plan/plan-changes.js";
import type { PlanFileStream, SavedChange } from "../report/plan-file.js";
import { refusePlan } from "../report/plan-file-verify.js";
import type { SiftClient } from "../sift/client.js";
import type { Run } from "../sift/schemas.js";
import { checkAssetIds, checkUpdateAgainstRun, isSavedUpdate } from "./check-plan-against-sift.js";

/**
 * The lookups of `apply --plan`: saved changes in batches, each with the run Sift holds for it
 * now, to check the plan's claims before any write and to find stale changes as they are applied.
 */

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

/**
 * The entries' claims about Sift, before any write: old values and kept metadata of the runs to
 * update (looked up in the same batches apply uses), asset ids of the creates. One extra round
 * of lookups, for the updates only.
 */
export async function checkAgainstSift(
  open: () => Promise<PlanFileStream>,
  assets: ReadonlyMap<string, string>,
  options: { path: string; client: SiftClient; stopping?: { stop: AbortSignal } },
): Promise<void> {
  const problems: string[] = [];
  if (assets.size > 0) {
    const resolved = await resolveAssetNames(options.client, assets.keys());
    problems.push(...checkAssetIds(assets, resolved.ids));
  }
  const { changes } = await open();
  const stop = options.stopping?.stop;
  for await (const batch of lookedUp(onlyUpdates(changes, stop), options.client)) {
    for (const { change, now } of batch) {
      if (!isSavedUpdate(change)) continue;
      for (const p of checkUpdateAgainstRun(change, now))
        problems.push(`${change.clientKey}: ${p}`);
    }
  }
  refuseIf(problems, options.path);
}

/**
 * The updates of the plan. NOTE: a plan of creates alone sends no request while it is read
 * again here, so nothing else would see a stop: read on to the end of 450,000 changes, the
 * listing of the rows after it missed the stop's deadline with 187,715 of them unlisted.
 */
async function* onlyUpdates(
  changes: AsyncIterable<SavedChange>,
  stop: AbortSignal | undefined,
): AsyncGenerator<SavedChange> {
  for await (const change of changes) {
    if (stop?.aborted) throw stop.reason;
    if (isSavedUpdate(change)) yield change;
  }
}

export function refuseIf(problems: readonly string[], path: string): void {
  refusePlan(path, "does not match what Sift holds or what its entries show", problems);
}

/**
 * Saved changes in lookup batches, each with the run Sift holds for it now (by clientKey; an
 * adopt's, which has none yet, by runId). Batches are bounded by cells (see CHECK_BATCH_CELLS).
 */
export async function* lookedUp(
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
  const filters = batchInFilters("run_id", ids, filterBudget(client, "ListRuns"));
  await Promise.all(
    filters.map(async (filter) => {
      for await (const run of client.listAllRuns(filter, { pageSize: LOOKUP_PAGE_SIZE }))
        found.set(run.runId, run);
    }),
  );
  return found;
}
