import { compareTimestamps } from "../core/timestamp.js";
import type { RunSpec } from "../manifest/spec.js";
import { MAX_URL_BYTES } from "../sift/http.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import { batchInFilters } from "./batch-filter.js";
import { canonicalTime } from "./canonical-time.js";

/** What the lookups need of the Sift client. */
export interface LookupClient {
  readonly baseUrl: string;
  listAllRuns(filter: string, options?: ListOptions): AsyncIterable<Run>;
  listAllAssets(filter: string, options?: ListOptions): AsyncIterable<AssetFound>;
  listAllMetadataKeys(
    filter?: string,
    options?: ListOptions,
  ): AsyncIterable<{ name: string; type: string }>;
}

/** What a lookup reads of an asset. */
export interface AssetFound {
  assetId: string;
  name: string;
  isArchived?: boolean;
  archivedDate?: string | null;
}

interface ListOptions {
  pageSize?: number;
  /** Cuts off the requests and their retries (a plan stopped by Ctrl-C). */
  signal?: AbortSignal;
  /** No new request or retry starts once this aborts (see core/stopping.ts). */
  stop?: AbortSignal;
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

/** Asset names resolved: name → id, and the names only archived assets hold. */
export interface ResolvedAssets {
  ids: Map<string, string>;
  /** Name → how many assets of that name exist, all archived (the id used is in `ids`). */
  archived: Map<string, number>;
}

/**
 * Asset name → id for the names that exist, with `name in [...]` batches. NOTE: a name can
 * be reused once its asset is archived, so one name may list an archived and a live asset:
 * the live one is used; only when every asset of the name is archived, the latest archived.
 */
export async function resolveAssetNames(
  client: LookupClient,
  names: Iterable<string>,
): Promise<ResolvedAssets> {
  const best = new Map<string, AssetFound>();
  const counts = new Map<string, number>();
  await forEachMatch(
    client,
    "/api/v1/assets",
    names,
    (f) => client.listAllAssets(f, { pageSize: LOOKUP_PAGE_SIZE }),
    (asset) => {
      counts.set(asset.name, (counts.get(asset.name) ?? 0) + 1);
      const held = best.get(asset.name);
      if (held === undefined || preferAsset(asset, held)) best.set(asset.name, asset);
    },
  );
  const resolved: ResolvedAssets = { ids: new Map(), archived: new Map() };
  for (const [name, asset] of best) {
    resolved.ids.set(name, asset.assetId);
    if (isArchivedAsset(asset)) resolved.archived.set(name, counts.get(name) ?? 1);
  }
  return resolved;
}

function isArchivedAsset(asset: AssetFound): boolean {
  return asset.isArchived === true || (asset.archivedDate ?? null) !== null;
}

/** Whether `a` is the better asset for a name than `b`: live first, then the latest archived. */
function preferAsset(a: AssetFound, b: AssetFound): boolean {
  const archivedA = isArchivedAsset(a);
  const archivedB = isArchivedAsset(b);
  if (archivedA !== archivedB) return !archivedA;
  if (!archivedA) return false; // two live assets of one name: Sift forbids it; keep the first
  const at = canonicalTime(a.archivedDate ?? undefined);
  const bt = canonicalTime(b.archivedDate ?? undefined);
  return at !== undefined && (bt === undefined || compareTimestamps(at, bt) > 0);
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
