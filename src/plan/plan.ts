import { withStopping } from "../sift/stoppable.js";
import type { CacheUse } from "./cache-use.js";
import { noteInCache } from "./cache-use.js";
import { type PlanOptions, resolveSettings } from "./options.js";
import { planAll, type Refusal, refusalsOf, totalChanges } from "./planner.js";
import { prepare } from "./prepare.js";
import { countChange, createPlanSummary, type PlanSummary } from "./summary.js";

export type { CacheUse } from "./cache-use.js";
export type { PlanOptions, SyncOptions } from "./options.js";
export type { Refusal } from "./planner.js";

export interface PlanResult {
  summary: PlanSummary;
  /** The manifest files read, in order. */
  files: string[];
  /** Runs planned (in this shard and selection), invalid ones included. */
  runs: number;
  /** Keys given in `only` that no manifest run has. */
  missingKeys: string[];
  /** Local times a `dst` rule decided, by rule (`dst: later`): count and the first place. */
  resolved: Record<string, { count: number; first: string }>;
  /**
   * Why applying this plan would be refused (`--max-archive`, `--allow-empty`,
   * `--max-changes`): apply throws a GuardError with these, the CLI exits 3. `refused` is the
   * first guard apply checks, `refusals` every one that refuses.
   */
  refused?: Refusal;
  refusals?: Refusal[];
  /** With a cache: whether it was trusted, and how many runs Sift changed since it was written. */
  cache?: CacheUse;
}

/**
 * What it would take to make Sift match the manifests. Reads the API, writes nothing (but
 * the sync cache, with `cache`).
 *
 * @example
 * const client = createSiftClient({ baseUrl: process.env.SIFT_REST_URI!, apiKey: process.env.SIFT_API_KEY! });
 * const { summary } = await plan({ paths: ["runs.csv"], client, onChange: (c) => console.log(c.action, c.spec.clientKey) });
 */
export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { signal } = options;
  const settings = resolveSettings(options);
  // NOTE: a plan writes nothing, so nothing is left to finish: a stop cuts its requests off at once.
  const client = withStopping(options.client, signal && { stop: signal, abort: signal });
  const input = { ...options, readSignal: options.readSignal ?? signal };
  const prepared = await prepare(input, client, settings, { checkRows: false });
  const summary = createPlanSummary();
  const total = totalChanges(prepared);
  let done = 0;
  for await (const change of planAll(prepared, client)) {
    signal?.throwIfAborted();
    if (prepared.cache) noteInCache(prepared.cache.session, change);
    countChange(summary, change);
    const written = options.onChange?.(change);
    if (written instanceof Promise) await written;
    options.onProgress?.({ done: ++done, total });
  }
  const refusals = refusalsOf(prepared, summary);
  await prepared.cache?.session.save({ complete: true, pruneUnseen: options.only === undefined });
  return {
    summary,
    files: prepared.manifests.files,
    runs: prepared.manifests.runs,
    missingKeys: prepared.manifests.missingKeys,
    resolved: prepared.manifests.resolved,
    ...(refusals.length > 0 && { refused: refusals[0], refusals }),
    ...(prepared.cache && { cache: prepared.cache.counts() }),
  };
}
