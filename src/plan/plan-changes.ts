import { isInvalidRow, type ManifestRow } from "../manifest/index.js";
import type { RunSpec, Source } from "../manifest/spec.js";
import type { MetadataKeyTypeWire } from "../sift/schemas.js";
import { lookupBatch } from "./adopt-lookup.js";
import { InFilterBatch } from "./batch-filter.js";
import type { Change } from "./change.js";
import { type DiffOptions, diffMatch } from "./diff.js";
import { filterBudget, type LookupClient } from "./lookup.js";
import { type AdoptByField, type Found, matchRun } from "./match.js";

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
  found: Promise<Found>;
}

/** How rows find runs without a clientKey to adopt (a row's runId always does). */
export interface AdoptOptions {
  /** `--adopt-by`: fields a row and a run without a clientKey must agree on. */
  adoptBy?: readonly AdoptByField[];
}

const NOTHING_FOUND: Found = { byKey: new Map(), byId: new Map(), keyless: [] };

/**
 * Streams one change per manifest row, in manifest order. Specs are grouped into lookup
 * batches that fit one `client_key in [...]` request; up to LOOKAHEAD_BATCHES lookups run
 * ahead. An invalid row (kept by `--skip-invalid`) is an `invalid` change in its place.
 */
export async function* planChanges(
  specs: AsyncIterable<ManifestRow>,
  client: LookupClient,
  context: PlanContext,
  options: DiffOptions & AdoptOptions,
): AsyncGenerator<Change> {
  const budget = filterBudget(client, "/api/v2/runs");
  const ahead: LookedUp[] = [];
  let filter = new InFilterBatch("client_key", budget);
  let batch: ManifestRow[] = [];
  let keys = new Set<string>();
  const adoptBy = options.adoptBy ?? [];
  /** runId → the row adopting it: two rows never adopt one run. */
  const claimed = new Map<string, Source>();

  const launch = () => {
    const valid = batch.filter((row): row is RunSpec => !isInvalidRow(row));
    const launched = {
      specs: batch,
      found:
        keys.size === 0
          ? Promise.resolve(NOTHING_FOUND)
          : lookupBatch(client, valid, filter.filter(), { adoptBy, keyTypes: context.keyTypes }),
    };
    launched.found.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
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
    if (ahead.length >= LOOKAHEAD_BATCHES) yield* diffBatch(ahead.shift()!);
  }
  if (batch.length > 0) launch();
  while (ahead.length > 0) yield* diffBatch(ahead.shift()!);

  async function* diffBatch(looked: LookedUp): AsyncGenerator<Change> {
    const found = await looked.found;
    for (const spec of looked.specs) {
      if (isInvalidRow(spec)) {
        yield { action: "invalid", spec: spec.spec, problems: spec.problems };
        continue;
      }
      const match = matchRun(spec, found, { adoptBy, keyTypes: context.keyTypes, claimed });
      const change = diffMatch(spec, match, context, options);
      learnKeyTypes(context, change);
      yield change;
    }
  }
}

/** A key a change introduces has that type for the changes after it, as it will in Sift. */
function learnKeyTypes(context: PlanContext, change: Change): void {
  if ("newKeyTypes" in change) {
    for (const [key, type] of Object.entries(change.newKeyTypes)) {
      if (!context.keyTypes.has(key)) context.keyTypes.set(key, type);
    }
  }
}
