import type { PlanSummary } from "./summary.js";
import { countChange, createPlanSummary } from "./summary.js";
import { withStopping } from "../sift/stoppable.js";
import type { Change } from "./change.js";
import type { DiffOptions, IgnorableField, SyncMode } from "./diff.js";
import type { AdoptByField } from "./match.js";
import { type PlanContext, planChanges } from "./plan-changes.js";
import { type ManifestInput, type ManifestRows, prepare } from "./prepare.js";
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
  /**
   * Rows whose clientKey is not found adopt the one run without a clientKey that agrees on
   * these fields (`["name", "startTime"]`, `metadata.<key>`). A row's `runId` always adopts.
   */
  adoptBy?: readonly AdoptByField[];
  /** Archive the in-scope runs no manifest holds; unarchive the archived ones they hold. */
  archiveMissing?: ArchiveOptions;
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
  const summary = createPlanSummary();
  const total = totalChanges(prepared, prepared.scope);
  let done = 0;
  for await (const change of planAll(prepared, prepared.context, prepared.scope, {
    ...options,
    client,
  })) {
    signal?.throwIfAborted();
    countChange(summary, change);
    const written = options.onChange?.(change);
    if (written instanceof Promise) await written;
    options.onProgress?.({ done: ++done, total });
  }
  const refused = refusal(prepared, prepared.scope, options);
  return {
    summary,
    files: prepared.files,
    runs: prepared.runs,
    missingKeys: prepared.missingKeys,
    ...(refused !== undefined && { refused }),
  };
}

/** Every change: one per manifest row, in manifest order, then the runs to archive. */
export async function* planAll(
  manifests: ManifestRows,
  context: PlanContext,
  scope: Scope | undefined,
  options: Pick<SyncOptions, "client" | "metadata" | "ignore" | "mode" | "adoptBy">,
): AsyncGenerator<Change> {
  yield* planChanges(manifests.rows(), options.client, context, {
    ...diffOptions(options, scope),
    adoptBy: options.adoptBy,
  });
  yield* scope?.archives ?? [];
}

/** How many changes planAll yields. */
export function totalChanges(manifests: ManifestRows, scope: Scope | undefined): number {
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
  options: Pick<SyncOptions, "metadata" | "ignore" | "mode">,
  scope?: Scope,
): DiffOptions {
  return {
    metadata: options.metadata ?? "merge",
    ignore: new Set(options.ignore ?? []),
    mode: options.mode ?? "upsert",
    ...(scope && { unarchive: (run) => scope.archivedInManifests.has(run.runId) }),
  };
}
