import { openCacheSession, type CacheClient } from "../cache/cache-session.js";
import { CacheFileSkips, type Settled } from "../cache/file-skips.js";
import { formatCount, plural } from "../core/words.js";
import { ManifestError, type Problem } from "../core/errors.js";
import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import { cacheEntryOf, isInvalidRow, type RunSpec } from "../manifest/index.js";
import type { Run } from "../sift/schemas.js";
import { countKnown, type KnownCounter } from "./cache-use.js";
import { checkSpec, type DiffOptions } from "./diff.js";
import { fetchKeyTypes, type LookupClient, resolveAssetNames } from "../sift/lookup.js";
import { type NamesInUse } from "./names-in-use.js";
import { checkNewKeys } from "./new-keys.js";
import { LookupKeys, prefetchRuns } from "./prefetch.js";
import type { ManifestInput, Settings } from "./options.js";
import type { PlanContext } from "./plan-changes.js";
import { type ManifestRows, readManifests } from "./read-input.js";
import { readScope, type Scope, type ScopeClient } from "./scope.js";
import { RowReplay } from "./row-replay.js";

export { type ManifestRows, readManifests } from "./read-input.js";

/** How many problems are kept in detail; the rest are counted. */
const MAX_KEPT_PROBLEMS = 50;

/** Everything the planner needs before the per-run lookups; plan and apply share it. */
export interface Prepared {
  manifests: ManifestRows;
  settings: Settings;
  context: PlanContext;
  /** With `--archive-missing`: the scope against the manifests. */
  scope: Scope | undefined;
  /** How a row is compared with its run (the settings, and the scope's unarchiving). */
  diff: DiffOptions;
  /** With a cache: the session, and how many rows it answered. */
  cache?: KnownCounter;
  /** With a trusted cache: the runs of the rows it does not know, looked up ahead of the plan. */
  prefetched?: ReadonlyMap<string, Run>;
}

/**
 * The offline step (readManifests), then `resolveAgainstSift`. apply does the two apart, so
 * that an API gone while resolving still ends with every row reported.
 */
export async function prepare(
  input: ManifestInput,
  client: ScopeClient,
  settings: Settings,
  options: { checkRows: boolean },
): Promise<Prepared> {
  const manifests = await readManifests(input, {
    keys: settings.archiveMissing !== undefined,
    skips: fileSkipsOf(input, settings, client),
  });
  return resolveAgainstSift(manifests, client, input, settings, options);
}

/**
 * With a sync cache: the manifest files it may stand in for (unchanged since a sync left every
 * row of them in sync), and what it records for the next sync. A sync of some rows only
 * (`--only`, `--shard`, `--limit`) neither skips nor records a file (none is hashed); one that
 * reads Sift in full (`--refresh full`, `--archive-missing`) skips none and records them.
 */
export function fileSkipsOf(
  input: Pick<ManifestInput, "only" | "shard"> & { limit?: number },
  settings: Settings,
  client: ScopeClient,
): CacheFileSkips | undefined {
  const { cache } = settings;
  if (cache === undefined) return undefined;
  if (input.only !== undefined || input.shard !== undefined || input.limit !== undefined)
    return undefined;
  const apiUrl = cache.apiUrl ?? (client as unknown as CacheClient).baseUrl;
  return CacheFileSkips.open(cache.dir, apiUrl, {
    skip: cache.refresh !== "full" && settings.archiveMissing === undefined,
  });
}

/**
 * Resolves the asset names and metadata key types the runs use in a few batched requests,
 * reads the archive scope, and opens the sync cache. With `checkRows` (apply without
 * `skipInvalid`), every row is checked against those (unknown asset, wrong metadata type, a
 * new clientKey Sift refuses) and any problem stops here, before anything could be written.
 */
export async function resolveAgainstSift(
  manifests: ManifestRows,
  client: ScopeClient,
  input: Pick<ManifestInput, "createAssets" | "shard" | "skipInvalid">,
  settings: Settings,
  options: {
    checkRows: boolean;
    /**
     * Ctrl-C: the check of the rows stops (nothing is written after it: apply's next request
     * or row stops too), and the plan reads the manifests, not a replay of a partial check.
     */
    stop?: AbortSignal;
  },
): Promise<Prepared> {
  const archive = settings.archiveMissing;
  const [context, scope] = await Promise.all([
    resolveContext(client, manifests.names, input.createAssets, settings.unicode),
    archive && readScope(client, archive.scope, manifests.keys!, input.shard),
  ]);
  const diff = diffOptionsOf(settings, scope || undefined);
  const cache =
    settings.cache &&
    countKnown(
      await openCacheSession(client as unknown as CacheClient, settings.cache, {
        options: cacheKeyOf(settings),
        inScope: manifests.inScope,
        rowsHeld: manifests.held,
        // NOTE: the key types Sift has before the plan; those the plan introduces are not cached.
        names: { assetIds: context.assetIds, keyTypes: new Map(context.keyTypes) },
        ...(manifests.skips && { files: manifests.skips }),
        rows: manifests.runs,
      }),
    );
  if (cache && manifests.skips) noteSkips(manifests, cache.session.withdrawnFiles, settings);
  // With a trusted cache, the rows it does not know are gathered in a pass that happens anyway
  // (checking the rows), or over rows held in memory, and looked up in full batches.
  const session = cache?.session;
  const lookups = session?.incremental ? new LookupKeys(session.knownEntry) : undefined;
  if (options.checkRows && !input.skipInvalid) {
    // Rows too many to hold are read once more to check them: that pass keeps them for the plan
    // (the rows of the files it reads: a skipped file's are not, 8 MB a million on a no-op night).
    const read = manifests.runs - (manifests.skips?.skippedRuns ?? 0);
    const replay =
      session?.incremental && !manifests.held && read > 0
        ? new RowReplay(session.keyAt, read)
        : undefined;
    const checked = await checkRows(manifests, context, { lookups, replay, stop: options.stop });
    if (checked && replay?.kept && replay.size > 0) {
      manifests.replay(replay);
      settings.cache?.onNote?.(
        `the plan takes the ${plural(replay.size, "row")} the check read from memory (${formatCount(replay.unknown().length)} not known in sync held whole), not from the manifests again`,
        "debug",
      );
    }
    await checkNewKeys(manifests, client, context, { ...diff, adoptBy: settings.adoptBy });
  } else if (lookups && manifests.held)
    for await (const row of manifests.rows()) lookups.visit(row);
  const prefetched = lookups && (await prefetchRuns(client, lookups.values(), settings.unicode));
  return {
    manifests,
    settings,
    context,
    scope: scope || undefined,
    diff,
    ...(cache && { cache }),
    ...(prefetched && { prefetched }),
  };
}

/** Says which files the cache stood in for; rows of files it withdrew are read again now. */
function noteSkips(manifests: ManifestRows, settled: Settled, settings: Settings): void {
  const skips = manifests.skips!;
  const note = settings.cache?.onNote;
  if (settled.reread) manifests.forgetHeld();
  const { withdrawn, byLine } = settled;
  if (withdrawn > 0) {
    const one = withdrawn === 1;
    note?.(
      `${plural(withdrawn, "manifest file")} unchanged since the last sync ${one ? "is" : "are"} read after all: the sync cache cannot vouch for ${one ? "it" : "them"} (it is not trusted, or what ${one ? "its" : "their"} names resolve to changed)`,
      "info",
    );
  }
  if (byLine > 0) {
    const one = byLine === 1;
    note?.(
      `${plural(byLine, "manifest file")} unchanged since the last sync ${one ? "is" : "are"} read for the runs Sift changed: ${one ? "its" : "their"} rows of those runs are parsed, the others taken from the sync cache by their lines`,
      "info",
    );
  }
  const skipped = skips.skipped;
  if (skipped > 0) {
    note?.(
      `${formatCount(skipped)} of ${plural(manifests.files.length, "manifest file")} not parsed: unchanged since the last sync, which left ${skipped === 1 ? "its" : "their"} ${plural(skips.skippedRuns, "row")} in sync (taken from the sync cache; --refresh full reads them)`,
      "info",
    );
  }
  const lines = skips.matchedLines;
  if (lines.rows > 0) {
    note?.(
      `${plural(lines.rows, "row")} of ${plural(lines.files, "edited manifest file")} not parsed: ${lines.rows === 1 ? "its line is" : "their lines are"} as the last sync left ${lines.rows === 1 ? "it" : "them"} in sync (taken from the sync cache)`,
      "info",
    );
  }
}

function diffOptionsOf(settings: Settings, scope?: Scope): DiffOptions {
  return {
    metadata: settings.metadata,
    ignore: settings.ignore,
    mode: settings.mode,
    unicode: settings.unicode,
    clientKeyCheck: settings.clientKeyCheck,
    ...(scope && { unarchive: (run) => scope.archivedInManifests.has(run.runId) }),
  };
}

/** Everything besides a row and its run that changes the row's diff: what the cache is valid for. */
function cacheKeyOf(settings: Settings): unknown {
  return {
    metadata: settings.metadata,
    ignore: [...settings.ignore].sort(),
    mode: settings.mode,
    adoptBy: [...settings.adoptBy].sort(),
    archiveScope: settings.archiveMissing?.scope ?? null,
    // NFC or byte-exact comparison decides whether a row is in sync (issue 20).
    unicode: settings.unicode,
  };
}

/** The asset ids and metadata key types the runs use, in a few batched requests. */
export async function resolveContext(
  client: LookupClient,
  names: NamesInUse,
  createAssets?: ManifestInput["createAssets"],
  unicode: UnicodeMode = DEFAULT_UNICODE,
): Promise<PlanContext> {
  const [assets, keyTypes] = await Promise.all([
    resolveAssetNames(client, names.assets, unicode),
    fetchKeyTypes(client, names.metadataKeys, unicode),
  ]);
  const assetIds = assets.ids;
  if (createAssets) {
    const unknown = [...names.assets].filter((name) => !assetIds.has(name));
    if (unknown.length > 0) {
      for (const [name, id] of await createAssets(unknown)) assetIds.set(name, id);
    }
  }
  return {
    assetIds,
    keyTypes: keyTypes.types,
    ...(assets.archived.size > 0 && { archivedAssets: assets.archived }),
    ...(assets.otherForms.size > 0 && { assetOtherForms: assets.otherForms }),
    ...(keyTypes.names.size > 0 && { keyNames: keyTypes.names }),
  };
}

/**
 * Checks every valid row against Sift (unknown asset, metadata of the wrong type): any
 * problem throws, naming how many valid rows it holds back.
 */
/** Whether every row was checked (not stopped first). */
async function checkRows(
  manifests: ManifestRows,
  context: PlanContext,
  { lookups, replay, stop }: { lookups?: LookupKeys; replay?: RowReplay; stop?: AbortSignal },
): Promise<boolean> {
  // Keys new to the organization take the type of their first use, as they will in Sift.
  const keyTypes = new Map(context.keyTypes);
  const problems: Problem[] = [];
  let total = 0;
  let invalidRuns = 0;
  let seen = 0;
  // A skipped file's rows are in sync and unchanged: nothing to check, nothing to look up.
  for await (const row of manifests.rows({ skipped: false })) {
    if ((++seen & 1023) === 0 && stop?.aborted) return false;
    // NOTE: visited apart from the replay, which may be undefined (rows held): an argument of
    // `replay?.add(...)` would be skipped with it, and the rows to look up never gathered.
    const entry = lookups?.visit(row, replay?.kept) ?? -1;
    replay?.add(row, entry);
    // An invalid row is reported as it is; a stub (a line the cache knows) was checked when read.
    if (isInvalidRow(row) || cacheEntryOf(row) !== undefined) continue;
    const found = checkSpec(row as RunSpec, {
      assetIds: context.assetIds,
      keyTypes,
      ...(context.assetOtherForms && { assetOtherForms: context.assetOtherForms }),
    });
    if (found.problems.length > 0) invalidRuns++;
    total += found.problems.length;
    problems.push(...found.problems.slice(0, MAX_KEPT_PROBLEMS - problems.length));
    for (const [key, type] of Object.entries(found.newKeyTypes)) keyTypes.set(key, type);
  }
  if (total > 0) {
    throw new ManifestError(problems, total, { heldBack: manifests.runs - invalidRuns });
  }
  return true;
}
