/**
 * Lookups by key, as the plan asks for them: runs by clientKey, assets by name or id, metadata
 * key types by name. Each is a few `field in [...]` ListRuns/ListAssets/ListMetadataKeys
 * requests (in-filter.ts), never one per item, and checks what it is answered.
 */
import { compareTimestamps } from "../time/timestamp.js";
import { DEFAULT_UNICODE, textForms, toNfc, type UnicodeMode } from "../core/unicode.js";
import type { KeyTypeName, Run } from "./schemas.js";
import { batchInFilters, filterBudget } from "./in-filter.js";
import { canonicalTime } from "../time/canonical-time.js";
import type { ApiOperation } from "./api-operations.js";

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
/**
 * Existing runs by clientKey, archived ones included: one ListRuns request per batch of keys
 * (pageSize 1000), never one per run.
 */
export async function lookupRuns(
  client: LookupClient,
  keys: readonly string[],
): Promise<Map<string, Run>> {
  // Both Unicode forms of a key (as the plan looked them up with nfc): a saved plan's run whose
  // clientKey Sift holds in NFD is found again under the plan's NFC key.
  const forms = [...new Set(keys.flatMap((key) => textForms(key)))];
  const filters = batchInFilters("client_key", forms, filterBudget(client, "ListRuns"));
  const found = new Map<string, Run>();
  const wanted = new Set(keys);
  await Promise.all(filters.map((filter) => fetchRuns(client, filter, wanted, found, "nfc")));
  return found;
}

/**
 * The runs one `client_key` filter finds, added to `found` by clientKey. With `nfc`, a run
 * whose clientKey is a wanted (NFC) key in another form is found under the wanted key (the
 * filter lists both forms: `clientKeyForms`), the same form preferred.
 */
export async function fetchRuns(
  client: Pick<LookupClient, "listAllRuns">,
  filter: string,
  wanted: ReadonlySet<string>,
  found: Map<string, Run> = new Map(),
  unicode: UnicodeMode = "keep",
): Promise<Map<string, Run>> {
  for await (const run of client.listAllRuns(filter, { pageSize: LOOKUP_PAGE_SIZE })) {
    // NOTE: the filter is exact; checking again means a lookup can never pair a spec with
    // another run, whatever the server does.
    if (run.clientKey === undefined) continue;
    if (wanted.has(run.clientKey)) found.set(run.clientKey, run);
    else if (unicode === "nfc") {
      const key = toNfc(run.clientKey);
      if (wanted.has(key) && found.get(key)?.clientKey !== key) found.set(key, run);
    }
  }
  return found;
}

/** The forms a clientKey is looked up by: itself, and with `nfc` its NFD form when that differs. */
export function clientKeyForms(key: string, unicode: UnicodeMode): string[] {
  return unicode === "keep" ? [key] : textForms(key);
}

/** Asset names resolved: name → id, and the names only archived assets hold. */
export interface ResolvedAssets {
  ids: Map<string, string>;
  /** Name → how many assets of that name exist, all archived (the id used is in `ids`). */
  archived: Map<string, number>;
  /**
   * `--unicode keep`: a name no asset has byte for byte → the name of an asset that has it in
   * another Unicode form (NFC/NFD), for a "did you mean" naming the code points.
   */
  otherForms: Map<string, string>;
}

/**
 * Asset name → id for the names that exist, with `name in [...]` batches. NOTE: a name can
 * be reused once its asset is archived, so one name may list an archived and a live asset:
 * the live one is used; only when every asset of the name is archived, the latest archived.
 * Each name is looked up in its NFC and NFD forms too, in the same batches: with `nfc` (the
 * default) an asset whose name equals the manifest's in NFC is that asset (the same form
 * preferred when Sift holds both); with `keep` only the same bytes are.
 */
export async function resolveAssetNames(
  client: LookupClient,
  names: Iterable<string>,
  unicode: UnicodeMode = DEFAULT_UNICODE,
): Promise<ResolvedAssets> {
  const forms = formsOf(names, unicode);
  const best = new Map<string, AssetFound>();
  const counts = new Map<string, number>();
  const otherForms = new Map<string, string>();
  await forEachMatch(
    client,
    "ListAssets",
    forms.keys(),
    (f) => client.listAllAssets(f, { pageSize: LOOKUP_PAGE_SIZE }),
    (asset) => {
      const name = forms.get(asset.name);
      if (name === undefined) return; // NOTE: the filter is exact; checked again all the same
      if (unicode === "keep" && name !== asset.name) {
        otherForms.set(name, asset.name);
        return;
      }
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const held = best.get(name);
      if (held === undefined || preferAsset(asset, held, name)) best.set(name, asset);
    },
  );
  const resolved: ResolvedAssets = { ids: new Map(), archived: new Map(), otherForms };
  for (const [name, asset] of best) {
    resolved.ids.set(name, asset.assetId);
    otherForms.delete(name);
    if (isArchivedAsset(asset)) resolved.archived.set(name, counts.get(name) ?? 1);
  }
  return resolved;
}

/**
 * Every form to look a name up by → the manifest's name it stands for. With `nfc` the names
 * are NFC already (normalize-spec.ts); with `keep`, a form is the name itself when one is.
 */
function formsOf(names: Iterable<string>, unicode: UnicodeMode): Map<string, string> {
  const forms = new Map<string, string>();
  for (const name of names) forms.set(name, name);
  for (const name of [...forms.keys()]) {
    for (const form of textForms(name)) {
      if (!forms.has(form)) forms.set(form, unicode === "nfc" ? toNfc(form) : name);
    }
  }
  return forms;
}

function isArchivedAsset(asset: AssetFound): boolean {
  return asset.isArchived === true || (asset.archivedDate ?? null) !== null;
}

/**
 * Whether `a` is the better asset for `name` than `b`: live first, then the one named in the
 * manifest's own form, then the latest archived.
 */
function preferAsset(a: AssetFound, b: AssetFound, name: string): boolean {
  const archivedA = isArchivedAsset(a);
  const archivedB = isArchivedAsset(b);
  if (archivedA !== archivedB) return !archivedA;
  const exactA = a.name === name;
  if (exactA !== (b.name === name)) return exactA;
  if (!archivedA) return false; // two live assets of one name: Sift forbids it; keep the first
  const at = canonicalTime(a.archivedDate ?? undefined);
  const bt = canonicalTime(b.archivedDate ?? undefined);
  return at !== undefined && (bt === undefined || compareTimestamps(at, bt) > 0);
}

/** The organization's metadata keys the manifests use. */
export interface KeysFound {
  /** Key name (as the manifests write it) → type. */
  types: Map<string, KeyTypeName>;
  /**
   * `nfc`: a manifest key the organization holds only in another Unicode form → its name there,
   * the key a write refers to (writing the manifest's form would make a second key).
   */
  names: Map<string, string>;
}

/**
 * The organization's metadata key types, for the keys the manifests use, looked up in their
 * NFC and NFD forms too (as asset names are).
 */
export async function fetchKeyTypes(
  client: LookupClient,
  names: Iterable<string>,
  unicode: UnicodeMode = DEFAULT_UNICODE,
): Promise<KeysFound> {
  const forms = formsOf(names, unicode);
  const found: KeysFound = { types: new Map(), names: new Map() };
  const exact = new Set<string>();
  await forEachMatch(
    client,
    "ListMetadataKeys",
    forms.keys(),
    (f) => client.listAllMetadataKeys(f),
    (key) => {
      const name = forms.get(key.name);
      if (name === undefined || exact.has(name)) return;
      if (name === key.name) {
        exact.add(name);
        found.names.delete(name);
      } else if (unicode === "keep") return;
      else found.names.set(name, key.name);
      found.types.set(name, key.type as KeyTypeName);
    },
  );
  return found;
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
    "ListAssets",
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
  operation: ApiOperation,
  values: Iterable<string>,
  list: (filter: string) => AsyncIterable<T>,
  visit: (item: T) => void,
  field = "name",
): Promise<void> {
  const filters = batchInFilters(field, values, filterBudget(client, operation));
  await Promise.all(
    filters.map(async (filter) => {
      for await (const item of list(filter)) visit(item);
    }),
  );
}
