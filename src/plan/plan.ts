import {
  type CacheClient,
  type CacheOptions,
  type CacheRecorder,
  type CacheSession,
  openCacheSession,
} from "../cache/cache-session.js";
import type { ClientKeyCheck } from "../core/client-key.js";
import type { PlanSummary } from "./summary.js";
import { countChange, createPlanSummary } from "./summary.js";
import { withStopping } from "../sift/stoppable.js";
import type { Change } from "./change.js";
import type { DiffOptions, IgnorableField, SyncMode } from "./diff.js";
import type { AdoptByField } from "./match.js";
import { type KnownInSync, type PlanContext, planChanges } from "./plan-changes.js";
import {
  type ManifestInput,
  type ManifestRows,
  type Prepared,
  prepare,
  unicodeOfInput,
} from "./prepare.js";
import { type ArchiveOptions, checkArchiveGuard, type Scope, type ScopeClient } from "./scope.js";

export interface SyncOptions extends ManifestInput {
  /** From `createSiftClient`: one client (one request pool) for the whole run. */
  client: ScopeClient;
  /** merge (default): the manifest's keys are set, others kept; replace: exactly the manifest's. */
  metadata?: DiffOptions["metadata"];
  /** Fields never compared nor written on existing runs, e.g. `["startTime", "stopTime"]`. */
  ignore?: readonly IgnorableField[];
  /** upsert (default), create-only (never change an existing run), update-only (never create). */
  mode?: SyncMode;
  /** `sift` (default): a run to be created needs a clientKey Sift accepts; `off`: any key. */
  clientKeyCheck?: ClientKeyCheck;
  /**
   * Rows whose clientKey is not found adopt the one run without a clientKey that agrees on
   * these fields (`["name", "startTime"]`, `metadata.<key>`). A row's `runId` always adopts.
   */
  adoptBy?: readonly AdoptByField[];
  /** Archive the in-scope runs no manifest holds; unarchive the archived ones they hold. */
  archiveMissing?: ArchiveOptions;
  /**
   * The sync cache (`--cache DIR`): rows in sync at the last sync, and whose runs Sift lists as
   * unchanged since, are unchanged without a lookup; the cache is rewritten at the end.
   */
  cache?: CacheOptions;
  // `unicode` (ManifestInput): how text is read and compared; resolve it with unicodeOfInput.
}

export interface PlanOptions extends SyncOptions {
  /**
   * Each change as it is decided, in manifest order (a report, a plan file). A promise it
   * returns holds the plan back until it settles: a slow reader of the report bounds memory.
   */
  onChange?: (change: Change) => unknown;
  /** After each run is planned. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Stops the plan: its requests (and their retries) end, and `plan` rejects. */
  signal?: AbortSignal;
}

export interface PlanResult {
  summary: PlanSummary;
  /** The manifest files read, in order. */
  files: string[];
  /** Runs planned (in this shard and selection), invalid ones included. */
  runs: number;
  /** Keys given in `only` that no manifest run has. */
  missingKeys: string[];
  /** Why applying this plan would be refused (`--max-archive`, `--allow-empty`). */
  refused?: string;
  /** With a cache: whether it was trusted, and how many runs Sift changed since it was written. */
  cache?: CacheUse;
}

export interface CacheUse {
  incremental: boolean;
  /** Rows the cache knew in sync: unchanged without a lookup. */
  knownInSync: number;
  changedInSift: number;
}

/**
 * What it would take to make Sift match the manifests. Reads the API, writes nothing.
 *
 * @example
 * const client = createSiftClient({ baseUrl: process.env.SIFT_REST_URI!, apiKey: process.env.SIFT_API_KEY! });
 * const { summary } = await plan({ paths: ["runs.csv"], client, onChange: (c) => console.log(c.action, c.spec.clientKey) });
 */
export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { signal } = options;
  // NOTE: a plan writes nothing, so nothing is left to finish: a stop cuts its requests off at once.
  const client = withStopping(options.client, signal && { stop: signal, abort: signal });
  const prepared = await prepare(options, client, {
    checkRows: false,
    archive: options.archiveMissing,
  });
  const cache = await openCache(client, options, prepared);
  const use = cache && countKnown(cache.session);
  const summary = createPlanSummary();
  const total = totalChanges(prepared, prepared.scope);
  let done = 0;
  for await (const change of planAll(prepared, prepared.context, prepared.scope, {
    ...options,
    client,
    ...(use && { knownInSync: use.knownInSync }),
  })) {
    signal?.throwIfAborted();
    if (cache) noteInCache(cache.session, change);
    countChange(summary, change);
    const written = options.onChange?.(change);
    if (written instanceof Promise) await written;
    options.onProgress?.({ done: ++done, total });
  }
  const refused = refusal(prepared, prepared.scope, options);
  await cache?.session.save({ complete: true, pruneUnseen: options.only === undefined });
  return {
    summary,
    files: prepared.files,
    runs: prepared.runs,
    missingKeys: prepared.missingKeys,
    ...(refused !== undefined && { refused }),
    ...(use && { cache: use.counts() }),
  };
}

/**
 * Opens the sync cache once the names are resolved (before any run is looked up), or
 * undefined without `cache`.
 */
export async function openCache(
  client: ScopeClient,
  options: SyncOptions,
  prepared: Pick<Prepared, "context" | "inScope">,
): Promise<{ session: CacheSession } | undefined> {
  if (options.cache === undefined) return undefined;
  const session = await openCacheSession(client as unknown as CacheClient, options.cache, {
    options: cacheOptionsOf(options),
    inScope: prepared.inScope,
    // NOTE: the key types Sift has before the plan; those the plan introduces are not cached.
    names: { assetIds: prepared.context.assetIds, keyTypes: new Map(prepared.context.keyTypes) },
  });
  return { session };
}

/** Everything besides a row and its run that changes the row's diff. */
function cacheOptionsOf(options: SyncOptions): unknown {
  return {
    metadata: options.metadata ?? "merge",
    ignore: [...(options.ignore ?? [])].sort(),
    mode: options.mode ?? "upsert",
    adoptBy: [...(options.adoptBy ?? [])].sort(),
    archiveScope: options.archiveMissing?.scope ?? null,
    // NFC or byte-exact comparison decides whether a row is in sync (issue 20).
    unicode: unicodeOfInput(options),
  };
}

/** knownInSync for the plan, counting how many rows it answered. */
export function countKnown(session: CacheSession): Required<KnownInSync> & {
  counts: () => CacheUse;
} {
  let known = 0;
  return {
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
  if (
    change.action === "unchanged" &&
    change.warnings.length === 0 &&
    change.modifiedDate !== undefined
  ) {
    recorder.inSync(change.spec, { runId: change.runId, modifiedDate: change.modifiedDate });
  } else recorder.notInSync(change.spec);
}

/** Every change: one per manifest row, in manifest order, then the runs to archive. */
export async function* planAll(
  manifests: ManifestRows,
  context: PlanContext,
  scope: Scope | undefined,
  options: Pick<
    SyncOptions,
    "client" | "metadata" | "ignore" | "mode" | "adoptBy" | "unicode" | "config" | "clientKeyCheck"
  > &
    KnownInSync,
): AsyncGenerator<Change> {
  yield* planChanges(manifests.rows(), options.client, context, {
    ...diffOptions(options, scope),
    adoptBy: options.adoptBy,
    knownInSync: options.knownInSync,
  });
  yield* scope?.archives ?? [];
}

/** How many changes planAll yields. */
function totalChanges(manifests: ManifestRows, scope: Scope | undefined): number {
  return manifests.runs + (scope?.archives.length ?? 0);
}

/** The guard's verdict on archiving (undefined: allowed, or nothing to archive). */
export function refusal(
  manifests: ManifestRows,
  scope: Scope | undefined,
  options: Pick<SyncOptions, "archiveMissing">,
): string | undefined {
  if (scope === undefined || options.archiveMissing === undefined) return undefined;
  return checkArchiveGuard(scope, manifests.allRuns, options.archiveMissing);
}

export function diffOptions(
  options: Pick<
    SyncOptions,
    "metadata" | "ignore" | "mode" | "unicode" | "config" | "clientKeyCheck"
  >,
  scope?: Scope,
): DiffOptions {
  return {
    metadata: options.metadata ?? "merge",
    ignore: new Set(options.ignore ?? []),
    mode: options.mode ?? "upsert",
    unicode: unicodeOfInput(options),
    clientKeyCheck: options.clientKeyCheck ?? "sift",
    ...(scope && { unarchive: (run) => scope.archivedInManifests.has(run.runId) }),
  };
}
