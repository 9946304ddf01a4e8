import type { PlanSummary } from "../report/summary.js";
import { countChange, createPlanSummary } from "../report/summary.js";
import type { Change } from "./change.js";
import type { DiffOptions, IgnorableField, SyncMode } from "./diff.js";
import type { LookupClient } from "./lookup.js";
import { planChanges } from "./plan-changes.js";
import { type ManifestInput, prepare } from "./prepare.js";

export interface SyncOptions extends ManifestInput {
  /** From `createSiftClient`: one client (one request pool) for the whole run. */
  client: LookupClient;
  /** merge (default): the manifest's keys are set, others kept; replace: exactly the manifest's. */
  metadata?: DiffOptions["metadata"];
  /** Fields never compared nor written on existing runs, e.g. `["startTime", "stopTime"]`. */
  ignore?: readonly IgnorableField[];
  /** upsert (default), create-only (never change an existing run), update-only (never create). */
  mode?: SyncMode;
}

export interface PlanOptions extends SyncOptions {
  /** Each change as it is decided, in manifest order (a report, a plan file). */
  onChange?: (change: Change) => void;
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
  const client = withSignal(options.client, signal);
  const prepared = await prepare(options, client, { checkRows: false });
  const summary = createPlanSummary();
  let done = 0;
  for await (const change of planChanges(
    prepared.rows(),
    client,
    prepared.context,
    diffOptions(options),
  )) {
    signal?.throwIfAborted();
    countChange(summary, change);
    options.onChange?.(change);
    options.onProgress?.({ done: ++done, total: prepared.runs });
  }
  return {
    summary,
    files: prepared.files,
    runs: prepared.runs,
    missingKeys: prepared.missingKeys,
  };
}

export function diffOptions(
  options: Pick<SyncOptions, "metadata" | "ignore" | "mode">,
): DiffOptions {
  return {
    metadata: options.metadata ?? "merge",
    ignore: new Set(options.ignore ?? []),
    mode: options.mode ?? "upsert",
  };
}

/** The client with `signal` on every lookup: a stopped plan stops its requests and retries. */
function withSignal(client: LookupClient, signal: AbortSignal | undefined): LookupClient {
  if (signal === undefined) return client;
  return {
    baseUrl: client.baseUrl,
    listAllRuns: (filter, options) => client.listAllRuns(filter, { ...options, signal }),
    listAllAssets: (filter, options) => client.listAllAssets(filter, { ...options, signal }),
    listAllMetadataKeys: (filter, options) =>
      client.listAllMetadataKeys(filter, { ...options, signal }),
  };
}
