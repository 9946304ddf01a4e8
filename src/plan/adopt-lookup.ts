import type { UnicodeMode } from "../core/unicode.js";
import type { RunSpec } from "../manifest/index.js";
import { ItemTooLargeError } from "../sift/client.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import { keylessFilters } from "./adopt-filters.js";
import { batchInFilters } from "../sift/in-filter.js";
import { fetchRuns, LOOKUP_PAGE_SIZE, type LookupClient } from "../sift/lookup.js";
import { filterBudget } from "../sift/in-filter.js";
import type { AdoptByRule } from "../core/adopt-by.js";
import type { Found } from "./match.js";
import { locateOversizedRun } from "./oversized-run.js";

export interface AdoptLookup {
  adoptBy: readonly AdoptByRule[];
  keyTypes: ReadonlyMap<string, KeyTypeName>;
  /** `--unicode`: with nfc, `keyFilter` lists each key's NFD form too (clientKeyForms). */
  unicode?: UnicodeMode;
}

/**
 * The runs one batch of specs may be about, in a few batched requests: by clientKey
 * (`keyFilter`), by runId for the rows that name one (`run_id in [...]`), and, with
 * `--adopt-by`, the runs without a clientKey that may agree with a row whose clientKey was not
 * found (`client_key == null && name in [...]`, or time ranges: adopt-filters.ts).
 */
export async function lookupBatch(
  client: LookupClient,
  specs: readonly RunSpec[],
  keyFilter: string,
  adopt: AdoptLookup,
): Promise<Found> {
  const budget = filterBudget(client, "ListRuns");
  const ids = specs.flatMap((s) => (s.runId === undefined ? [] : [s.runId]));
  const [byKey, byId] = await Promise.all([
    fetchRuns(
      client,
      keyFilter,
      new Set(specs.map((s) => s.clientKey)),
      new Map(),
      adopt.unicode,
    ).catch((error: unknown) => {
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

/** Runs without a clientKey that may agree with one of `specs` on the `--adopt-by` fields. */
async function listKeyless(
  client: LookupClient,
  specs: readonly RunSpec[],
  adopt: AdoptLookup,
  budget: number,
): Promise<Run[]> {
  const filters = keylessFilters(specs, adopt.adoptBy, adopt.keyTypes, budget, adopt.unicode);
  const runs = new Map<string, Run>();
  await Promise.all(
    filters.map(async (filter) => {
      for await (const run of client.listAllRuns(filter, { pageSize: LOOKUP_PAGE_SIZE })) {
        // NOTE: checked again, whatever the server does; ranges may overlap across filters.
        if (run.clientKey === undefined) runs.set(run.runId, run);
      }
    }),
  );
  return [...runs.values()];
}
