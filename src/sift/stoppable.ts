import type { Stopping } from "../core/stopping.js";
import type { RequestControl, SiftClient } from "./client.js";

/**
 * The client (or the part of it a step uses) with `stopping` on every request: once it stops,
 * no new request or retry starts, and the requests under way are cut off when it aborts.
 * The client's own methods and pool are shared: this is a view, not a second client.
 *
 * @example
 * const lookups = withStopping(client, stopping);
 * await lookupRuns(lookups, keys); // rejects with an interrupted ApiError once stopped
 */
export function withStopping<C extends object>(client: C, stopping: Stopping | undefined): C {
  if (stopping === undefined) return client;
  const add = <P extends RequestControl>(given: P | undefined): P => ({
    ...(given as P),
    signal: given?.signal ? AbortSignal.any([given.signal, stopping.abort]) : stopping.abort,
    stop: given?.stop ? AbortSignal.any([given.stop, stopping.stop]) : stopping.stop,
  });
  // NOTE: any part of a client (a step's LookupClient, a test's fake) has these methods' shapes.
  const c = client as Partial<SiftClient>;
  const view: Partial<SiftClient> = { ...c };
  if (c.listRuns) view.listRuns = (params) => c.listRuns!(add(params));
  if (c.listAllRuns) view.listAllRuns = (filter, params) => c.listAllRuns!(filter, add(params));
  if (c.getRun) view.getRun = (runId, control) => c.getRun!(runId, add(control));
  if (c.createRun) view.createRun = (body, control) => c.createRun!(body, add(control));
  if (c.createAdhocRun)
    view.createAdhocRun = (body, control) => c.createAdhocRun!(body, add(control));
  if (c.updateRun) view.updateRun = (body, control) => c.updateRun!(body, add(control));
  if (c.listAssets) view.listAssets = (params) => c.listAssets!(add(params));
  if (c.listAllAssets)
    view.listAllAssets = (filter, params) => c.listAllAssets!(filter, add(params));
  if (c.listMetadataKeys) view.listMetadataKeys = (params) => c.listMetadataKeys!(add(params));
  if (c.listAllMetadataKeys)
    view.listAllMetadataKeys = (filter, params) => c.listAllMetadataKeys!(filter, add(params));
  if (c.listRunFilterFields)
    view.listRunFilterFields = (control) => c.listRunFilterFields!(add(control));
  if (c.validateRunFilter)
    view.validateRunFilter = (filter, control) => c.validateRunFilter!(filter, add(control));
  return view as C;
}
