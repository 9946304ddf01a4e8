import { type AdoptBySpec, parseAdoptBy } from "../core/adopt-by.js";
import { DEFAULT_UNICODE } from "../core/unicode.js";
import { isInvalidRow, type ManifestRow, type RunSpec, type Source } from "../manifest/index.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import { lookupBatch } from "./adopt-lookup.js";
import { InFilterBatch } from "../sift/in-filter.js";
import type { Change } from "./change.js";
import { type DiffOptions, diffMatch } from "./diff.js";
import { clientKeyForms, type LookupClient, resolveAssetIds } from "../sift/lookup.js";
import { filterBudget } from "../sift/in-filter.js";
import { batchMatches, type Found, type MatchOptions, matchRun } from "./match.js";

/**
 * How many lookup batches may run ahead of the diff. Enough to keep the request pool busy
 * while earlier changes are applied; few enough that memory stays bounded (each batch holds
 * at most LOOKUP_BATCH_CELLS cells of specs, and the runs they find).
 */
export const LOOKAHEAD_BATCHES = 8;

/**
 * The cells (fields and metadata entries, see `cellsOf`) one lookup batch may hold. A narrow
 * run is ~15 cells, so its batches stay bounded by the URL (~400 keys); a run of a wide sheet
 * (400 `metadata.*` columns) is ~410, so its batches hold 19 runs. Counting runs instead let
 * the batches ahead of a 10,000 × 400 sheet hold thousands of specs, the runs found (~65 KB of
 * JSON each) and their parsed copies: a plan peaked near 1 GB. With this bound it stays under
 * 250 MB (bench/wide.mjs); each batch's answer is ~1 MB.
 */
export const LOOKUP_BATCH_CELLS = 8_000;

/** Cells a run counts for besides its lists and metadata: its scalar fields, roughly. */
export const SCALAR_CELLS = 10;

/** What a row weighs in a lookup batch: its scalar fields, list entries and metadata entries. */
export function cellsOf(row: ManifestRow): number {
  const spec = isInvalidRow(row) ? row.spec : row;
  const lists = (spec.assets?.length ?? 0) + (spec.tags?.length ?? 0);
  return SCALAR_CELLS + lists + Object.keys(spec.metadata ?? {}).length;
}

export interface PlanContext {
  assetIds: ReadonlyMap<string, string>;
  /** Asset id → name, grown as runs holding other assets are met (the "assets differ" warning). */
  assetNames?: Map<string, string>;
  /** Grows as the plan goes: a key a change introduces has that type for the changes after it. */
  keyTypes: Map<string, KeyTypeName>;
  /** Asset names that only archived assets hold (used anyway), with how many there are. */
  archivedAssets?: ReadonlyMap<string, number>;
  /** `--unicode keep`: asset names Sift holds only in another Unicode form (for "did you mean"). */
  assetOtherForms?: ReadonlyMap<string, string>;
  /** Metadata keys the organization holds only in another Unicode form → their name there. */
  keyNames?: ReadonlyMap<string, string>;
}

interface LookedUp {
  specs: ManifestRow[];
  found: Promise<Found>;
  /** Rows the cache knows in sync: unchanged without a lookup. */
  known: Map<ManifestRow, { runId: string; modifiedDate: string }>;
}

/** How rows find runs without a clientKey to adopt (a row's runId always does). */
export interface AdoptOptions {
  /** `--adopt-by`: fields a row and a run without a clientKey must agree on (`startTime~10m`). */
  adoptBy?: readonly AdoptBySpec[];
}

/** The sync cache's answer for a row: its run when the row is known in sync (no lookup then). */
export interface KnownInSync {
  knownInSync?: (spec: RunSpec) => { runId: string; modifiedDate: string } | undefined;
  /** Runs looked up ahead of the plan by clientKey (prefetch.ts): their rows need no lookup. */
  prefetched?: ReadonlyMap<string, Run>;
}

const NOTHING_FOUND: Found = { byKey: new Map(), byId: new Map(), keyless: [] };

/**
 * Streams one change per manifest row, in manifest order. Specs are grouped into lookup
 * batches that fit one `client_key in [...]` request and LOOKUP_BATCH_CELLS; up to
 * LOOKAHEAD_BATCHES lookups run ahead, so at most LOOKAHEAD_BATCHES + 1 batches are held.
 * An invalid row (kept by `--skip-invalid`) is an `invalid` change in its place.
 */
export async function* planChanges(
  specs: AsyncIterable<ManifestRow>,
  client: LookupClient,
  context: PlanContext,
  options: DiffOptions & AdoptOptions & KnownInSync,
): AsyncGenerator<Change> {
  const budget = filterBudget(client, "ListRuns");
  const ahead: LookedUp[] = [];
  let filter = new InFilterBatch("client_key", budget);
  let batch: ManifestRow[] = [];
  let batchCells = 0;
  let keys = new Set<string>();
  let known = new Map<ManifestRow, { runId: string; modifiedDate: string }>();
  /** Runs of the batch's rows looked up ahead of the plan, by clientKey. */
  let fetched = new Map<string, Run>();
  const adoptBy = parseAdoptBy(options.adoptBy ?? []);
  // NOTE: Sift takes only ASCII clientKeys for new runs, but older or adopted runs may hold
  // others: with nfc a key is looked up in both forms, so an NFD key Sift holds is found.
  const unicode = options.unicode ?? DEFAULT_UNICODE;
  /** runId → the row adopting it: two rows never adopt one run. */
  const claimed = new Map<string, Source>();
  /** Archived-only asset names already warned about: the warning is at the first row naming one. */
  const warnedAssets = new Set<string>();

  const launch = () => {
    const valid = batch.filter((row): row is RunSpec => !isInvalidRow(row));
    const early = fetched;
    const withFetched = (found: Found): Found =>
      early.size === 0 ? found : { ...found, byKey: new Map([...found.byKey, ...early]) };
    const found =
      keys.size === 0
        ? Promise.resolve(withFetched(NOTHING_FOUND))
        : lookupBatch(
            client,
            valid.filter((spec) => !early.has(spec.clientKey)),
            filter.filter(),
            { adoptBy, keyTypes: context.keyTypes, unicode },
          ).then(withFetched);
    const launched = {
      specs: batch,
      known,
      found:
        keys.size === 0 && early.size === 0
          ? found
          : found.then((all) => nameAssets(client, context, valid, all)),
    };
    launched.found.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
    ahead.push(launched);
    batch = [];
    batchCells = 0;
    keys = new Set();
    known = new Map();
    fetched = new Map();
    filter = new InFilterBatch("client_key", budget);
  };

  for await (const spec of specs) {
    const inSync = isInvalidRow(spec) ? undefined : options.knownInSync?.(spec);
    if (inSync !== undefined && ahead.length === 0 && batch.length === 0) {
      // Nothing before it waits for a lookup: its change is decided now.
      yield { action: "unchanged", spec: spec as RunSpec, ...inSync, warnings: [] };
      continue;
    }
    // NOTE: a row known in sync weighs what it holds, like any other: counted as one cell,
    // the batches ahead of a night of 60,000 unchanged rows held them all (a 64 MB heap died).
    const cells = cellsOf(spec);
    if (batch.length > 0 && batchCells + cells > LOOKUP_BATCH_CELLS) launch();
    const early = isInvalidRow(spec) ? undefined : options.prefetched?.get(spec.clientKey);
    if (early !== undefined && ahead.length === 0 && batch.length === 0) {
      // Its run is at hand and nothing before it waits: diffed now, so that the rows after
      // it are not queued in batches behind it (a night of changes at 1,000,000 runs held
      // ~3,500 rows in flight, long enough for V8 to move them to its old generation).
      fetched.set((spec as RunSpec).clientKey, early);
      batch.push(spec);
      launch();
      yield* diffBatch(ahead.shift()!);
      continue;
    }
    if (inSync !== undefined) known.set(spec, inSync);
    else if (early !== undefined) fetched.set((spec as RunSpec).clientKey, early);
    else if (!isInvalidRow(spec)) {
      const forms = clientKeyForms(spec.clientKey, unicode);
      if (!forms.every((form) => filter.tryAdd(form))) {
        launch();
        for (const form of forms) filter.tryAdd(form);
      }
      keys.add(spec.clientKey);
    }
    batch.push(spec);
    batchCells += cells;
    if (ahead.length >= LOOKAHEAD_BATCHES) yield* diffBatch(ahead.shift()!);
  }
  if (batch.length > 0) launch();
  while (ahead.length > 0) yield* diffBatch(ahead.shift()!);

  async function* diffBatch(looked: LookedUp): AsyncGenerator<Change> {
    const found = await looked.found;
    const match: MatchOptions = { adoptBy, keyTypes: context.keyTypes, unicode, claimed };
    if (adoptBy.length > 0) {
      const valid = looked.specs.filter((row): row is RunSpec => !isInvalidRow(row));
      match.matched = batchMatches(valid, found, match);
    }
    for (const spec of looked.specs) {
      if (isInvalidRow(spec)) {
        yield { action: "invalid", spec: spec.spec, problems: spec.problems };
        continue;
      }
      const inSync = looked.known.get(spec);
      if (inSync !== undefined) {
        yield { action: "unchanged", spec, ...inSync, warnings: [] };
        continue;
      }
      const matched = matchRun(spec, found, match);
      const change = diffMatch(spec, matched, context, options);
      learnKeyTypes(context, change);
      const held =
        matched.kind === "existing" || matched.kind === "adopt" ? matched.run.assetIds : [];
      warnArchivedAssets(context, change, held, warnedAssets);
      yield change;
    }
  }
}

/**
 * Before a batch is diffed: the names of the assets its existing runs hold, when a row of the
 * batch manages assets and a run it may be about holds an asset the manifests do not name, so
 * that an "assets differ" warning names them (one `asset_id in [...]` request per batch at most).
 */
async function nameAssets(
  client: LookupClient,
  context: PlanContext,
  specs: readonly RunSpec[],
  found: Found,
): Promise<Found> {
  context.assetNames ??= new Map([...context.assetIds].map(([name, id]) => [id, name]));
  const known = context.assetNames;
  const unknown = new Set<string>();
  const note = (run: Run | undefined) => {
    for (const id of run?.assetIds ?? []) if (!known.has(id)) unknown.add(id);
  };
  let managesAssets = false;
  for (const spec of specs) {
    if (spec.assets === undefined) continue;
    managesAssets = true;
    note(found.byKey.get(spec.clientKey));
    if (spec.runId !== undefined) note(found.byId.get(spec.runId));
  }
  if (managesAssets) for (const run of found.keyless) note(run);
  if (unknown.size === 0) return found;
  for (const [id, name] of await resolveAssetIds(client, unknown)) known.set(id, name);
  return found;
}

/**
 * The first row naming an asset name that only archived assets hold gets a warning: the
 * archived asset is used (Sift reuses names once an asset is archived; a live one is preferred).
 * A row whose run already holds that asset decides nothing new about it: no warning there (so
 * an export of such a run plans back to "No changes").
 */
function warnArchivedAssets(
  context: PlanContext,
  change: Change,
  held: readonly string[],
  warned: Set<string>,
): void {
  const archived = context.archivedAssets;
  if (archived === undefined || !("warnings" in change)) return;
  for (const name of change.spec.assets ?? []) {
    const count = archived.get(name);
    if (count === undefined || warned.has(name)) continue;
    if (held.includes(context.assetIds.get(name)!)) continue;
    warned.add(name);
    const which = count === 1 ? "" : ` (the latest archived of ${count})`;
    change.warnings.push({
      code: "archived-asset",
      message: `asset ${JSON.stringify(name)} is archived in Sift and no live asset has that name: the archived asset ${context.assetIds.get(name)}${which} is used (unarchive it in Sift, or check the name, if that is not meant)`,
    });
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
