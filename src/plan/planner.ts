import type { Change } from "./change.js";
import type { Refusal } from "../core/errors.js";
import { guardedCounts, refuseMaxChanges } from "./guard.js";
import type { LookupClient } from "../sift/lookup.js";
import { planChanges } from "./plan-changes.js";
import type { Prepared } from "./prepare.js";
import { checkArchiveGuard } from "./scope.js";
import { countChange, createPlanSummary, type PlanSummary } from "./summary.js";

/**
 * The planner plan and apply share: every change, one per manifest row in manifest order,
 * then the runs to archive; and the guards' verdict on the whole plan.
 */

export type { Refusal } from "../core/errors.js";

/** Every change of the plan. With `useCache: false`, rows the cache knows are looked up too. */
export async function* planAll(
  prepared: Prepared,
  client: LookupClient,
  options: { useCache?: boolean } = {},
): AsyncGenerator<Change> {
  const { manifests, context, scope, diff, settings, cache, prefetched } = prepared;
  const useCache = cache && options.useCache !== false;
  yield* planChanges(manifests.rows(), client, context, {
    ...diff,
    adoptBy: settings.adoptBy,
    ...(useCache && { knownInSync: cache.knownInSync, prefetched }),
  });
  yield* scope?.archives ?? [];
}

/** How many changes planAll yields. */
export function totalChanges(prepared: Prepared): number {
  return prepared.manifests.runs + (prepared.scope?.archives.length ?? 0);
}

/**
 * The archive guard's verdict, known before any run is planned (undefined: allowed, or
 * nothing to archive).
 */
export function archiveRefusal(prepared: Prepared): Refusal | undefined {
  const { scope, settings, manifests } = prepared;
  if (scope === undefined || settings.archiveMissing === undefined) return undefined;
  return checkArchiveGuard(scope, manifests.allRuns, settings.archiveMissing);
}

/** `--max-changes`' verdict on a plan's counts. */
export function changesRefusal(prepared: Prepared, summary: PlanSummary): Refusal | undefined {
  const limit = prepared.settings.maxChanges;
  if (limit === undefined) return undefined;
  return refuseMaxChanges(limit, guardedCounts(summary), prepared.manifests.runs);
}

/**
 * Every guard's verdict on a whole plan, in the order apply checks them (the archive guard
 * first): empty when no guard refuses it.
 */
export function refusalsOf(prepared: Prepared, summary: PlanSummary): Refusal[] {
  return [archiveRefusal(prepared), changesRefusal(prepared, summary)].filter(
    (r) => r !== undefined,
  );
}

/**
 * The counts of the whole plan, planned once without writing (apply's `--max-changes`
 * checks them before the first write).
 */
export async function countPlan(prepared: Prepared, client: LookupClient): Promise<PlanSummary> {
  // A copy: planning adds the key types new runs introduce, and the real pass starts afresh.
  const context = { ...prepared.context, keyTypes: new Map(prepared.context.keyTypes) };
  const summary = createPlanSummary();
  // NOTE: without the cache, as before it was opened here: its counts must not count twice.
  for await (const change of planAll({ ...prepared, context }, client, { useCache: false })) {
    countChange(summary, change);
  }
  return summary;
}
