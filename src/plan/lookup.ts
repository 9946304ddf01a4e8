import type { RunSpec } from "../manifest/spec.js";
import { MAX_URL_BYTES } from "../sift/http.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import { batchInFilters } from "./batch-filter.js";

/** What the lookups need of the Sift client. */
export interface LookupClient {
  readonly baseUrl: string;
  listAllRuns(filter: string, options?: ListOptions): AsyncIterable<Run>;
  listAllAssets(
    filter: string,
    options?: ListOptions,
  ): AsyncIterable<{ assetId: string; name: string }>;
  listAllMetadataKeys(
    filter?: string,
    options?: ListOptions,
  ): AsyncIterable<{ name: string; type: string }>;
}

interface ListOptions {
  pageSize?: number;
  /** Stops the requests and their retries (a plan stopped by Ctrl-C). */
  signal?: AbortSignal;
}

export const LOOKUP_PAGE_SIZE = 1000;
/** Room left in the URL for `?pageSize=1000&filter=` and a pageToken on later pages. */
const URL_RESERVE_BYTES = 512;

/** How many URL bytes a `... in [...]` filter may take against this client's base URL. */
export function filterBudget(client: Pick<LookupClient, "baseUrl">, path: string): number {
  return MAX_URL_BYTES - client.baseUrl.length - path.length - URL_RESERVE_BYTES;
}

/**
 * Existing runs by clientKey, archived ones included: one ListRuns request per batch of keys
 * (pageSize 1000), never one per run.
 */
export async function lookupRuns(
  client: LookupClient,
  keys: readonly string[],
): Promise<Map<string, Run>> {
  const filters = batchInFilters("client_key", keys, filterBudget(client, "/api/v2/runs"));
  const found = new Map<string, Run>();
  const wanted = new Set(keys);
  await Promise.all(filters.map((filter) => fetchRuns(client, filter, wanted, found)));
  return found;
}

/** The runs one `client_key` filter finds, added to `found` by clientKey. */
export async function fetchRuns(
  client: Pick<LookupClient, "listAllRuns">,
  filter: string,
  wanted: ReadonlySet<string>,
  found: Map<string, Run> = new Map(),
): Promise<Map<string, Run>> {
  for await (const run of client.listAllRuns(filter, { pageSize: LOOKUP_PAGE_SIZE })) {
    // NOTE: the filter is exact; checking again means a lookup can never pair a spec with
    // another run, whatever the server does.
    if (run.clientKey !== undefined && wanted.has(run.clientKey)) found.set(run.clientKey, run);
  }
  return found;
}

/** Asset name → id for the names that exist, with `name in [...]` batches. */
export async function resolveAssetNames(
  client: LookupClient,
  names: Iterable<string>,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await forEachMatch(
    client,
    "/api/v1/assets",
    names,
    (f) => client.listAllAssets(f, { pageSize: LOOKUP_PAGE_SIZE }),
    (asset) => {
      if (!ids.has(asset.name)) ids.set(asset.name, asset.assetId);
    },
  );
  return ids;
}

/** The organization's metadata key types, for the keys the manifests use. */
export async function fetchKeyTypes(
  client: LookupClient,
  names: Iterable<string>,
): Promise<Map<string, KeyTypeName>> {
  const types = new Map<string, KeyTypeName>();
  await forEachMatch(
    client,
    "/api/v1/metadata-keys",
    names,
    (f) => client.listAllMetadataKeys(f),
    (key) => {
      types.set(key.name, key.type);
    },
  );
  return types;
}

/**
 * Asset id → name for Sift's assets with these ids (`asset_id in [...]` batches): the
 * "assets differ" warning names the assets a run holds, not their ids.
 */
export async function resolveAssetIds(
  client: LookupClient,
  ids: Iterable<string>,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  await forEachMatch(
    client,
    "/api/v1/assets",
    ids,
    (f) => client.listAllAssets(f, { pageSize: LOOKUP_PAGE_SIZE }),
    (asset) => {
      names.set(asset.assetId, asset.name);
    },
    "asset_id",
  );
  return names;
}

/** Lists `field in [...]` batches of `values` and hands every item found to `visit`. */
async function forEachMatch<T>(
  client: LookupClient,
  path: string,
  values: Iterable<string>,
  list: (filter: string) => AsyncIterable<T>,
  visit: (item: T) => void,
  field = "name",
): Promise<void> {
  const filters = batchInFilters(field, values, filterBudget(client, path));
  await Promise.all(
    filters.map(async (filter) => {
      for await (const item of list(filter)) visit(item);
    }),
  );
}

/** Distinct asset names and metadata keys of the specs: what must be resolved before diffing. */
export interface NamesInUse {
  assets: Set<string>;
  metadataKeys: Set<string>;
}

export function addNamesInUse(names: NamesInUse, spec: RunSpec): void {
  for (const asset of spec.assets ?? []) names.assets.add(asset);
  for (const key of Object.keys(spec.metadata ?? {})) names.metadataKeys.add(key);
}
