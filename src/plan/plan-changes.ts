import { isInvalidRow, type ManifestRow } from "../manifest/index.js";
import type { MetadataKeyTypeWire, Run } from "../sift/schemas.js";
import { InFilterBatch } from "./batch-filter.js";
import type { Change } from "./change.js";
import { type DiffOptions, diffRun } from "./diff.js";
import { fetchRuns, filterBudget, type LookupClient } from "./lookup.js";

/**
 * How many lookup batches may run ahead of the diff. Enough to keep the request pool busy
 * while earlier changes are applied; few enough that memory stays bounded (each batch holds
 * at most 1000 specs and runs).
 */
export const LOOKAHEAD_BATCHES = 8;

export interface PlanContext {
  assetIds: ReadonlyMap<string, string>;
  /** Grows as the plan goes: a key a change introduces has that type for the changes after it. */
  keyTypes: Map<string, MetadataKeyTypeWire>;
}

interface LookedUp {
  specs: ManifestRow[];
  runs: Promise<Map<string, Run>>;
}

/**
 * Streams one change per manifest row, in manifest order. Specs are grouped into lookup
 * batches that fit one `client_key in [...]` request; up to LOOKAHEAD_BATCHES lookups run
 * ahead. An invalid row (kept by `--skip-invalid`) is an `invalid` change in its place.
 */
export async function* planChanges(
  specs: AsyncIterable<ManifestRow>,
  client: LookupClient,
  context: PlanContext,
  options: DiffOptions,
): AsyncGenerator<Change> {
  const budget = filterBudget(client, "/api/v2/runs");
  const ahead: LookedUp[] = [];
  let filter = new InFilterBatch("client_key", budget);
  let batch: ManifestRow[] = [];
  let keys = new Set<string>();

  const launch = () => {
    const launched = {
      specs: batch,
      runs:
        keys.size === 0
          ? Promise.resolve(new Map<string, Run>())
          : fetchRuns(client, filter.filter(), keys),
    };
    launched.runs.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
    ahead.push(launched);
    batch = [];
    keys = new Set();
    filter = new InFilterBatch("client_key", budget);
  };

  for await (const spec of specs) {
    if (!isInvalidRow(spec)) {
      if (!filter.tryAdd(spec.clientKey)) {
        launch();
        filter.tryAdd(spec.clientKey);
      }
      keys.add(spec.clientKey);
    }
    batch.push(spec);
    if (ahead.length >= LOOKAHEAD_BATCHES) yield* diffBatch(ahead.shift()!, context, options);
  }
  if (batch.length > 0) launch();
  while (ahead.length > 0) yield* diffBatch(ahead.shift()!, context, options);
}

async function* diffBatch(
  looked: LookedUp,
  context: PlanContext,
  options: DiffOptions,
): AsyncGenerator<Change> {
  const runs = await looked.runs;
  for (const spec of looked.specs) {
    if (isInvalidRow(spec)) {
      yield { action: "invalid", spec: spec.spec, problems: spec.problems };
      continue;
    }
    const change = diffRun(spec, runs.get(spec.clientKey), context, options);
    if (change.action === "create" || change.action === "update") {
      for (const [key, type] of Object.entries(change.newKeyTypes)) {
        if (!context.keyTypes.has(key)) context.keyTypes.set(key, type);
      }
    }
    yield change;
  }
}
