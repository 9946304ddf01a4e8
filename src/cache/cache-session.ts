import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { ApiError } from "../core/errors.js";
import { parseTimestamp } from "../time/timestamp.js";
import { cacheEntryOf, lineHashOf, type RunSpec } from "../manifest/index.js";
import { celString } from "../sift/cel.js";
import type { ListAllParams, ListParams } from "../sift/client.js";
import type { Run } from "../sift/schemas.js";
import { VERSION } from "../core/version.js";
import { cacheFilePath } from "./cache-file.js";
import { timestampMinus } from "./entry-codec.js";
import { READ_ENV } from "./file-skip-io.js";
import { namesDigest } from "./file-records.js";
import type { CacheFileSkips, Settled } from "./file-skips.js";
import { hashRow, type ResolvedNames, seedOf } from "./row-hash.js";
import { type CachedRun, NO_CACHE_YET, SyncCache } from "./sync-cache.js";

/** `--cache DIR`'s default, in the working directory (or beside the sync config). */
export const DEFAULT_CACHE_DIR = ".sift-run-sync";
/** `--refresh-every`'s default: a full read a week also finds runs deleted in Sift. */
const DEFAULT_REFRESH_EVERY_MS = 7 * 24 * 3600 * 1000;
/**
 * How far before the last high-water mark the listing of Sift's changes starts. NOTE: the mark
 * is a modifiedDate Sift itself stamped (the newest it listed), so the two clocks compared are
 * Sift's own; the margin covers a write stamped before the mark but committed (visible) after
 * it was read: an UpdateRun in flight, bounded by the request deadline of Sift's gateway, and
 * the skew between Sift's servers (NTP: milliseconds). 30 s is the most the issue allows and
 * costs a few runs listed again; a smaller margin saves nothing measurable.
 */
const CHANGES_MARGIN_SECONDS = 30;
const LIST_PAGE_SIZE = 1000;
const NONE_WITHDRAWN: Settled = { withdrawn: 0, byLine: 0, unmatched: 0, reread: false };
const EPOCH_START = "1970-01-01T00:00:00Z";

/** What the cache needs of the Sift client. */
export interface CacheClient {
  readonly baseUrl: string;
  /** Sift's clock as the `Date` header of its newest answer said (the real client's). */
  answerDate?(): number | undefined;
  listRuns(params?: ListParams): Promise<{ runs: Run[]; nextPageToken: string }>;
  listAllRuns(filter?: string, params?: ListAllParams): AsyncIterable<Run>;
}

export interface CacheOptions {
  /** `--cache DIR`: where the cache files live (one per API URL and organization). */
  dir: string;
  /** `--refresh full`: read everything from Sift this once, and rewrite the cache. */
  refresh?: "full" | "auto";
  /** `--refresh-every`: a cache whose last full read is older is not trusted. Default 7 days. */
  refreshEveryMs?: number;
  /** What the cache is for, when not the client's base URL (`local` for --local). */
  apiUrl?: string;
  /**
   * The one note saying why the sync reads everything: `warn` for a damaged cache or a reset
   * organization, `info` for the routine reasons (none yet, too old, new version or options).
   */
  onNote?: (note: string, level: "debug" | "info" | "warn") => void;
  /** Local clock, ms (tests). */
  now?: () => number;
}

/** What a sync tells the cache about the rows it handled. */
export interface CacheRecorder {
  /** The row is in sync with this run (unchanged, or just written and checked). */
  inSync(spec: RunSpec, run: CachedRun): void;
  /** The row was handled and is not in sync (to change, failed, skipped, invalid). */
  notInSync(spec: RunSpec): void;
}

export interface CacheSession extends CacheRecorder {
  /** Rows the cache and Sift's changes show are still in sync: no lookup needed. */
  readonly incremental: boolean;
  /** The run of a row known in sync (and not changed in Sift since), else undefined. */
  knownInSync(spec: RunSpec): CachedRun | undefined;
  /**
   * The cache entry of a row knownInSync would answer, else -1: a pass that only gathers them
   * (a stub run for that entry is then answered as this row would be).
   */
  knownEntry(spec: RunSpec): number;
  /** The clientKey of a cache entry knownEntry gave. */
  keyAt(entry: number): string;
  /** Runs Sift listed as changed since the mark (not by this tool). */
  readonly changedInSift: number;
  /** Files skipped that must be read after all, and edited files not matched (see CacheFileSkips.settle). */
  readonly withdrawnFiles: Settled;
  /** Writes the cache; `complete`: every row in scope was handled (entries of rows gone are dropped). */
  save(options: { complete: boolean; pruneUnseen: boolean }): Promise<void>;
}

export interface SessionScope {
  /** The diff options (and anything else) that change a row's outcome. */
  options: unknown;
  /** Whether an entry's clientKey is in this invocation's scope (shard, --only). */
  inScope: (clientKey: string) => boolean;
  /** Asset ids and Sift's key types, once resolved (before any row is planned). */
  names: ResolvedNames;
  /** The rows are held in memory: the plan passes the very specs the gathering pass asked about. */
  rowsHeld?: boolean;
  /** The files the read skipped, and what the next sync's records need (file-skips.ts). */
  files?: CacheFileSkips;
  /** How many rows the sync handles: a new cache is made at that size. */
  rows?: number;
}

/**
 * Opens the cache for a sync: asks Sift for its newest modifiedDate (the high-water mark this
 * sync records, taken before any run is read), loads the cache of this API and organization,
 * decides whether to trust it, and if so lists the runs changed in Sift since its mark.
 */
export async function openCacheSession(
  client: CacheClient,
  options: CacheOptions,
  scope: SessionScope,
): Promise<CacheSession> {
  const now = options.now ?? Date.now;
  const apiUrl = options.apiUrl ?? client.baseUrl;
  // The oldest run names the organization and tells a reset one (or deleted runs) apart.
  const first = await probe(client, "created_date");
  if (!first.ok) return unusedSession(options, scope, first.problem);
  // Sift's clock now, before any run is looked up or written (see sinceMark).
  const answeredAt = client.answerDate?.();
  const oldest = first.run;
  const organizationId = oldest?.organizationId ?? "";
  const fingerprint = oldest === undefined ? "" : `${oldest.runId}@${oldest.createdDate ?? ""}`;
  const optionHash = createHash("sha256")
    .update(JSON.stringify(scope.options))
    .digest("hex")
    .slice(0, 16);
  const identity = { apiUrl, organizationId, fingerprint, toolVersion: VERSION, optionHash };
  const path = cacheFilePath(options.dir, apiUrl, organizationId);
  const skips = scope.files;
  const loaded = SyncCache.load(
    path,
    identity,
    skips?.preloadedFor(path),
    scope.rows,
    skips?.newKeys,
  );
  const { cache } = loaded;
  let distrust: string | undefined;
  let level: "info" | "warn" = "info";
  if (loaded.distrust === NO_CACHE_YET)
    // NOTE: an organization without runs has no name yet: its file is named once it has some.
    distrust = `no sync cache yet (${organizationId === "" ? `the organization has no runs yet; ${resolve(options.dir)}` : path})`;
  else if (loaded.distrust !== undefined) {
    distrust = `the sync cache ${path} is not used: ${loaded.distrust.message}`;
    if (loaded.distrust.alarming) level = "warn";
  }
  const low = cache.lowWaterMark(scope.inScope);
  if (distrust === undefined && options.refresh === "full") distrust = "--refresh full";
  const refreshEvery = options.refreshEveryMs ?? DEFAULT_REFRESH_EVERY_MS;
  if (distrust === undefined && low !== undefined && now() - low.refreshedAt > refreshEvery) {
    distrust = `the last full read is ${describeAge(now() - low.refreshedAt)} old (--refresh-every ${describeAge(refreshEvery)})`;
  }
  if (distrust === undefined && organizationId !== "" && low === undefined)
    distrust = `the sync cache ${path} holds none of these rows yet`;
  let incremental = distrust === undefined && low !== undefined && organizationId !== "";
  /** clientKeys of runs changed in Sift since the mark, by others than this tool. */
  const changed = new Set<string>();
  let highWaterMark: string | undefined;
  if (incremental) {
    try {
      highWaterMark = await listChanges(client, cache, low!.highWaterMark, changed);
    } catch (error) {
      if (!isListingRefused(error)) throw error;
      // NOTE: a run too large to list (or a listing Sift refuses) is no reason to fail: the
      // lookups by clientKey report such a run at its own row, as a full refresh does.
      incremental = false;
      changed.clear();
      distrust = `listing the runs changed in Sift failed (${error.message})`;
      level = "warn";
    }
  }
  if (distrust !== undefined) options.onNote?.(`full refresh: ${distrust}`, level);
  if (!incremental) {
    const newest = await probe(client, "modified_date desc");
    if (!newest.ok) return unusedSession(options, scope, newest.problem);
    // NOTE: an organization without runs has no mark yet: the next sync lists from the start.
    highWaterMark = newest.run?.modifiedDate ?? EPOCH_START;
  }
  const mark = parseTimestamp(sinceMark(highWaterMark ?? EPOCH_START, answeredAt));
  cache.beginEpoch({
    highWaterMark: mark.ok ? mark.value : EPOCH_START,
    refreshedAt: incremental ? low!.refreshedAt : now(),
  });
  const { files } = scope;
  const withdrawnFiles =
    files?.settle({ cache, trusted: incremental, changed, names: scope.names }) ?? NONE_WITHDRAWN;
  const seed = seedOf(scope.options);
  const hash = (spec: RunSpec) => hashRow(spec, scope.names, seed);
  // Held rows are hashed once: the gathering pass keeps each spec's hash for the plan's.
  const hashes = scope.rowsHeld ? new WeakMap<RunSpec, number | undefined>() : undefined;
  const hashOf = (spec: RunSpec) => (hashes?.has(spec) ? hashes.get(spec) : hash(spec));
  // A stub run: a skipped file's row, or one a pass replays (without skips: --shard, --only).
  const stubOf = (spec: RunSpec) => (files ? files.entryOf(spec) : cacheEntryOf(spec));
  return {
    incremental,
    changedInSift: changed.size,
    withdrawnFiles,
    knownInSync(spec) {
      const stub = stubOf(spec);
      if (stub !== undefined) return cache.answerAt(stub);
      if (!incremental || changed.has(spec.clientKey)) return undefined;
      return cache.inSync(spec.clientKey, hashOf(spec));
    },
    knownEntry(spec) {
      const stub = stubOf(spec);
      if (stub !== undefined) return stub;
      if (!incremental || changed.has(spec.clientKey)) return -1;
      const rowHash = hash(spec);
      hashes?.set(spec, rowHash);
      return cache.entryInSync(spec.clientKey, rowHash);
    },
    keyAt: (entry) => cache.keyAt(entry),
    inSync(spec, run) {
      // NOTE: a row the cache answered is planned `unchanged` with the cache's own run, so
      // recording it again would store the same hash and run: no need to hash it a third time.
      const stub = stubOf(spec);
      const line = lineHashOf(spec);
      const kept =
        stub === undefined ? cache.keepAnswered(spec.clientKey, line) : cache.keepAt(stub, line);
      if (kept >= 0) return files?.recorded(spec, kept);
      const rowHash = hashOf(spec);
      if (rowHash === undefined) cache.drop(spec.clientKey);
      const names = nameSetOf(spec, scope.names);
      files?.recorded(
        spec,
        rowHash === undefined ? -1 : cache.record(spec.clientKey, rowHash, run, line, names),
      );
    },
    notInSync(spec) {
      cache.drop(spec.clientKey);
      files?.spoiled(spec);
    },
    async save({ complete, pruneUnseen }) {
      let target = path;
      if (organizationId === "") {
        // The organization had no runs when the sync began: its first ones name it now.
        // The cache never changes a sync's outcome: a stopped or failing sync saves nothing here.
        const now = await probe(client, "created_date").catch(() => undefined);
        if (now === undefined || !now.ok || now.run === undefined) return;
        const found = now.run;
        cache.identity.organizationId = found.organizationId;
        cache.identity.fingerprint = `${found.runId}@${found.createdDate ?? ""}`;
        target = cacheFilePath(options.dir, apiUrl, found.organizationId);
      }
      if (complete && pruneUnseen) cache.dropUntouched(scope.inScope);
      cache.recordFiles(files?.newRecords(scope.names) ?? [], READ_ENV);
      try {
        cache.save(target);
      } catch (error) {
        // NOTE: the sync's result stands; the next one reads everything again.
        options.onNote?.(
          `the sync cache ${target} could not be written (the next sync reads every run): ${(error as Error).message}`,
          "warn",
        );
      }
    },
  };
}

/**
 * The names a row uses, sorted, and (when first met) what they resolve to: a line standing for
 * the row later is vouched for by them (file-skips.ts).
 */
function nameSetOf(spec: RunSpec, names: ResolvedNames) {
  const assets = spec.assets === undefined ? [] : [...new Set(spec.assets)].sort();
  const metadataKeys = spec.metadata === undefined ? [] : Object.keys(spec.metadata).sort();
  const set = { assets, metadataKeys };
  return { set, digest: () => namesDigest(set, names) };
}

/**
 * The first run in this order, or why Sift would not list it (a run too large to send). An
 * API that does not answer (or refuses the key) fails the sync here as its first lookup would:
 * one retry budget, and every row reported, never a second budget spent on the lookups.
 */
async function probe(
  client: CacheClient,
  orderBy: string,
): Promise<{ ok: true; run: Run | undefined } | { ok: false; problem: string }> {
  try {
    return { ok: true, run: (await client.listRuns({ pageSize: 1, orderBy })).runs[0] };
  } catch (error) {
    if (!isListingRefused(error)) throw error;
    return { ok: false, problem: error.message };
  }
}

/**
 * Whether Sift refused this listing for what it holds (a run too large to send, a filter or
 * order it does not take, a server fault on it), which the lookups by clientKey may not meet:
 * the sync goes on without the cache. Anything else (no answer, 502-504, 429, 401/403) would
 * fail the lookups too.
 */
function isListingRefused(error: unknown): error is ApiError {
  if (!(error instanceof ApiError)) return false;
  if (error.reason === "too-large" || error.answerTooLarge) return true;
  if (error.reason !== undefined) return false; // interrupted, rate-limited, silent, proxy, broken
  // NOTE: a 500 (a server fault, never retried) may be this query's alone (a filter or order
  // an older Sift handles badly): the lookups by clientKey then say whether Sift is broken.
  if (error.status === 500) return true;
  return error.status >= 400 && error.status < 500 && !NOT_THE_LISTING.has(error.status);
}

/** 4xx answers about the key or the rate, not about this listing. */
const NOT_THE_LISTING = new Set([401, 403, 429]);

/** A session that reads everything and writes nothing: the cache cannot be checked against Sift. */
function unusedSession(options: CacheOptions, scope: SessionScope, problem: string): CacheSession {
  options.onNote?.(`full refresh: the sync cache is not used this time: ${problem}`, "warn");
  const withdrawnFiles =
    scope.files?.settle({
      cache: undefined,
      trusted: false,
      changed: new Set(),
      names: scope.names,
    }) ?? NONE_WITHDRAWN;
  return {
    incremental: false,
    changedInSift: 0,
    withdrawnFiles,
    knownInSync: () => undefined,
    knownEntry: () => -1,
    keyAt: () => {
      throw new Error("an unused sync cache has no entries");
    },
    inSync() {},
    notInSync() {},
    save: async () => {},
  };
}

/**
 * Lists the runs changed since `mark` (less the margin) into `changed`, and returns the new
 * mark: the newest modifiedDate listed (Sift's own clock, read before any lookup), or `mark`
 * when nothing changed since.
 */
async function listChanges(
  client: CacheClient,
  cache: SyncCache,
  mark: string,
  changed: Set<string>,
): Promise<string> {
  const since = timestampMinus(mark, CHANGES_MARGIN_SECONDS);
  // NOTE: newest first. Should Sift page by offset, a run modified while the listing pages
  // moves to the front (already read) and at worst repeats a run; oldest first, it would move
  // to the end and could push an unread run onto a page already read, and lose it.
  const filter = `modified_date > timestamp(${celString(since)})`;
  let newest: string | undefined;
  for await (const run of client.listAllRuns(filter, {
    pageSize: LIST_PAGE_SIZE,
    orderBy: "modified_date desc",
  })) {
    newest ??= run.modifiedDate;
    if (run.clientKey === undefined) continue;
    const known = cache.get(run.clientKey);
    // A run the cache holds nothing of cannot make a row known in sync: not counted.
    if (known === undefined) continue;
    // The runs this tool wrote (or saw) itself carry the modifiedDate the cache holds.
    if (known.runId === run.runId && known.modifiedDate === run.modifiedDate) continue;
    changed.add(run.clientKey);
  }
  return newest ?? mark;
}

/**
 * The high-water mark this sync records: Sift's clock when it began, as the `Date` header of
 * its first answers says, when that is later than the newest modifiedDate Sift listed. NOTE:
 * the newest modifiedDate alone stays put while nothing is written, so every night after a
 * large apply listed again the runs written in its last 30 s (49 pages after 100,000 creates);
 * the header moves the mark with time. Both are Sift's clocks (its gateway's and its
 * database's); the 30 s margin covers their skew. The header has whole seconds, rounded down.
 */
function sinceMark(newest: string, answeredAt: number | undefined): string {
  if (answeredAt === undefined) return newest;
  const listed = Date.parse(newest);
  return Number.isNaN(listed) || answeredAt > listed ? new Date(answeredAt).toISOString() : newest;
}

function describeAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
