import type { RunSpec } from "../manifest/spec.js";
import { celString } from "../sift/cel.js";
import { ItemTooLargeError } from "../sift/client.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import { encodeQueryComponent } from "../sift/url.js";
import { batchInFilters } from "./batch-filter.js";
import { fetchRuns, filterBudget, LOOKUP_PAGE_SIZE, type LookupClient } from "./lookup.js";
import type { AdoptByField, Found } from "./match.js";
import { resolveMetadata } from "./metadata.js";
import { locateOversizedRun } from "./oversized-run.js";

/**
 * NOTE: Sift reads an unset field as null (`client_key == null`), so the runs that can be
 * adopted are asked for directly; the answer is still checked, whatever the server does.
 */
const KEYLESS = "client_key == null";

export interface AdoptLookup {
  adoptBy: readonly AdoptByField[];
  keyTypes: ReadonlyMap<string, KeyTypeName>;
}

/**
 * The runs one batch of specs may be about, in a few batched requests: by clientKey
 * (`keyFilter`), by runId for the rows that name one (`run_id in [...]`), and, with
 * `--adopt-by`, the runs without a clientKey that share the first adopt-by field's value with
 * a row whose clientKey was not found (`client_key == null && name in [...]`).
 */
export async function lookupBatch(
  client: LookupClient,
  specs: readonly RunSpec[],
  keyFilter: string,
  adopt: AdoptLookup,
): Promise<Found> {
  const budget = filterBudget(client, "/api/v2/runs");
  const ids = specs.flatMap((s) => (s.runId === undefined ? [] : [s.runId]));
  const [byKey, byId] = await Promise.all([
    fetchRuns(client, keyFilter, new Set(specs.map((s) => s.clientKey))).catch((error: unknown) => {
      if (!(error instanceof ItemTooLargeError)) throw error;
      return locateOversizedRun(client, specs, "client_key", budget, error);
    }),
    listByRunId(client, ids, budget).catch((error: unknown) => {
      if (!(error instanceof ItemTooLargeError)) throw error;
      const named = specs.filter((s) => s.runId !== undefined);
      return locateOversizedRun(client, named, "run_id", budget, error);
    }),
  ]);
  if (adopt.adoptBy.length === 0) return { byKey, byId, keyless: [] };
  const unmatched = specs.filter((s) => s.runId === undefined && !byKey.has(s.clientKey));
  const keyless = await listKeyless(client, unmatched, adopt, budget);
  return { byKey, byId, keyless };
}

async function listByRunId(
  client: LookupClient,
  ids: readonly string[],
  budget: number,
): Promise<Map<string, Run>> {
  const found = new Map<string, Run>();
  if (ids.length === 0) return found;
  const wanted = new Set(ids);
  await Promise.all(
    batchInFilters("run_id", wanted, budget).map(async (filter) => {
      for await (const run of client.listAllRuns(filter, { pageSize: LOOKUP_PAGE_SIZE })) {
        if (wanted.has(run.runId)) found.set(run.runId, run);
      }
    }),
  );
  return found;
}

/** Runs without a clientKey whose first adopt-by field holds a value one of `specs` holds. */
async function listKeyless(
  client: LookupClient,
  specs: readonly RunSpec[],
  adopt: AdoptLookup,
  budget: number,
): Promise<Run[]> {
  const field = adopt.adoptBy[0]!;
  const literals = new Set<string>();
  for (const spec of specs) {
    const literal = literalOf(spec, field, adopt.keyTypes);
    if (literal !== undefined) literals.add(literal);
  }
  if (literals.size === 0) return [];
  const prefix = `${KEYLESS} && `;
  const room = budget - encodeQueryComponent(prefix).length;
  const filters = batchInFilters(filterField(field), literals, room, (literal) => literal);
  const runs: Run[] = [];
  await Promise.all(
    filters.map(async (filter) => {
      for await (const run of client.listAllRuns(prefix + filter, { pageSize: LOOKUP_PAGE_SIZE })) {
        if (run.clientKey === undefined) runs.push(run);
      }
    }),
  );
  return runs;
}

function filterField(field: AdoptByField): string {
  switch (field) {
    case "name":
      return "name";
    case "startTime":
      return "start_time";
    case "stopTime":
      return "stop_time";
    default:
      return `metadata[${celString(field.slice("metadata.".length))}]`;
  }
}

/** The row's value of `field` as a CEL literal; undefined when the row leaves it out. */
function literalOf(
  spec: RunSpec,
  field: AdoptByField,
  keyTypes: ReadonlyMap<string, KeyTypeName>,
): string | undefined {
  switch (field) {
    case "name":
      return spec.name === undefined ? undefined : celString(spec.name);
    case "startTime":
    case "stopTime": {
      const time = spec[field];
      return time === undefined ? undefined : `timestamp(${celString(time)})`;
    }
    default: {
      const typed = resolveMetadata(spec, keyTypes, [])?.get(field.slice("metadata.".length));
      if (typed === undefined) return undefined;
      const { value } = typed;
      if (typeof value === "string") return celString(value);
      if (typeof value === "boolean") return String(value);
      // A double literal: metadata numbers are doubles, and CEL does not compare 3 with 3.0.
      return Number.isInteger(value) && Math.abs(value) < 1e21 ? `${value}.0` : String(value);
    }
  }
}
