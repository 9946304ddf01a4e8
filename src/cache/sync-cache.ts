import { resized } from "../core/key-hash.js";
import {
  type CacheColumns,
  type CacheData,
  CacheFileError,
  type CacheMeta,
  cacheFileStamp,
  decodeCache,
  type Epoch,
  MAX_KEY_BYTES,
  type NameSet,
  readCacheFile,
} from "./cache-file.js";
import { cacheFileParts, type Selection, writeCacheFile } from "./cache-write.js";
import { type CacheIdentity, type Distrust, differentIdentity } from "./cache-identity.js";
import { allocateColumns, EntryOrder, grownColumns, selectEntries } from "./cache-columns.js";
import type { FileRecord } from "./file-records.js";
import type { KeyTable } from "./key-table.js";
import { packRunId, packTimestamp, unpackRunId, unpackTimestamp } from "./entry-codec.js";

/** `load`'s reason when there is no file. */
export const NO_CACHE_YET = "none yet";

/** A file's record as a sync makes it: its rows' entries and lines, in file order. */
export interface NewFileRecord {
  record: Omit<FileRecord, "start" | "count">;
  entries: Uint32Array;
  lines: Uint32Array;
}

/** A row known to be in sync: its run, and that run's modifiedDate when it was. */
export interface CachedRun {
  runId: string;
  modifiedDate: string;
}

/**
 * The sync cache in memory: per clientKey the row's hash, its run and the run's modifiedDate,
 * and the epoch (the sync) that found it in sync. Entries a sync handles move to its own
 * epoch; the others keep theirs, so a sync of a few rows (`--only`, `--shard`) records only
 * those and the next night still lists Sift's changes from the oldest mark that matters.
 */
export class SyncCache {
  private columns: CacheColumns;
  /** The file as it was read (see mergeFrom). */
  private loadedStamp: string | undefined;
  private alive: Uint8Array;
  private touched: Uint8Array;
  /** 1 where this sync recorded another row than the file read held (see compact). */
  private rehashed: Uint8Array;
  /** 1 where `inSync`'s last answer for the entry was its run (see keepAnswered). */
  private answered: Uint8Array;
  private epochs: Epoch[];
  private current = -1;
  /** The file records of the file read, their rows' lines and read environment (see compact). */
  readonly loadedFiles: readonly FileRecord[];
  /** The meta of the file read (the very object, so that file-skips.ts can tell its own read). */
  readonly loadedMeta: CacheMeta | undefined;
  readonly loadedLines: readonly Uint32Array[];
  readonly loadedReadEnv: string | undefined;
  /** Whether another sync's file was merged in: the records read are not kept then. */
  private merged = false;
  private newFiles: NewFileRecord[] = [];
  private readEnv: string | undefined;
  /** The name sets entries refer to (1 + index), and each one's index by its text and digest. */
  private nameSets: NameSet[];
  private readonly nameSetIds = new Map<string, number>();
  /** The sets this sync recorded rows with, by their text: their digest is this sync's. */
  private readonly nameSetsNow = new Map<string, number>();

  private constructor(
    /** Mutable only to name the organization its first runs belong to (see CacheSession.save). */
    readonly identity: CacheIdentity,
    data?: CacheData,
    capacity = 1024,
    keys?: KeyTable,
  ) {
    this.columns =
      data?.columns ?? allocateColumns(Math.max(1024, capacity, keys?.count ?? 0), keys);
    // A new cache made with keys (see `empty`) has an entry for each, none alive yet.
    if (data === undefined && keys !== undefined) this.columns.count = keys.count;
    this.epochs = data ? [...data.meta.epochs] : [];
    this.nameSets = data?.meta.nameSets ? [...data.meta.nameSets] : [];
    this.nameSets.forEach((set, i) => this.nameSetIds.set(nameSetId(set, set.names), i));
    this.alive = new Uint8Array(this.columns.rowHash.length).fill(1, 0, data?.columns.count ?? 0);
    this.touched = new Uint8Array(this.columns.rowHash.length);
    this.rehashed = new Uint8Array(this.columns.rowHash.length);
    this.answered = new Uint8Array(this.columns.rowHash.length);
    this.loadedFiles = data?.meta.files ?? [];
    this.loadedMeta = data?.meta;
    this.loadedLines = data?.fileLines ?? [];
    this.loadedReadEnv = data?.meta.readEnv;
  }

  /**
   * `capacity`: the rows the sync will record (its manifests' runs), so that a first night's
   * columns are made once at their size, not doubled twelve times (old and new copies at once).
   * `keys`: the table to keep the clientKeys in, which others may add to meanwhile (the
   * manifests' duplicate check, CacheFileSkips.newKeys: a million keys held once, not twice).
   */
  static empty(identity: CacheIdentity, capacity?: number, keys?: KeyTable): SyncCache {
    return new SyncCache(identity, undefined, capacity, keys);
  }

  /**
   * The cache of `path`, or why it cannot be used: `empty` then holds the entries it can still
   * keep (none, unless only its age is in doubt).
   */
  static load(
    path: string,
    identity: CacheIdentity,
    preloaded?: { data: CacheData; stamp: string },
    capacity?: number,
    keys?: KeyTable,
  ):
    | { cache: SyncCache; distrust?: undefined }
    | { cache: SyncCache; distrust: typeof NO_CACHE_YET | Distrust } {
    let read = preloaded;
    try {
      if (read === undefined) {
        const file = readCacheFile(path);
        if (file === undefined)
          return { cache: SyncCache.empty(identity, capacity, keys), distrust: NO_CACHE_YET };
        read = { stamp: file.stamp, data: decodeCache(file.bytes) };
      }
    } catch (error) {
      if (!(error instanceof CacheFileError)) throw error;
      return {
        cache: SyncCache.empty(identity, capacity, keys),
        distrust: { message: error.message, alarming: !error.routine },
      };
    }
    const differs = differentIdentity(read.data.meta, identity);
    if (differs !== undefined)
      return { cache: SyncCache.empty(identity, capacity, keys), distrust: differs };
    const cache = new SyncCache(identity, read.data);
    cache.loadedStamp = read.stamp;
    return { cache };
  }

  get size(): number {
    let n = 0;
    for (let i = 0; i < this.columns.count; i++) n += this.alive[i]!;
    return n;
  }

  /** The sync now under way starts an epoch: what it records is good from `highWaterMark`. */
  beginEpoch(epoch: Epoch): void {
    this.epochs.push(epoch);
    this.current = this.epochs.length - 1;
  }

  /**
   * Over the entries `inScope` selects: the lowest high-water mark (Sift's changes since then
   * may concern them) and the oldest full refresh; undefined when no entry is in scope.
   */
  lowWaterMark(inScope: (key: string) => boolean): Epoch | undefined {
    const used = new Set<number>();
    for (let i = 0; i < this.columns.count; i++) {
      // An epoch already in `used` needs no key text: a million strings on every warm sync.
      const e = this.columns.epoch[i]!;
      if (this.alive[i] && !used.has(e) && inScope(this.columns.keys.keyAt(i))) used.add(e);
    }
    if (used.size === 0) return undefined;
    let low: Epoch | undefined;
    for (const e of used) {
      const epoch = this.epochs[e]!;
      low = {
        highWaterMark:
          low === undefined || epoch.highWaterMark < low.highWaterMark
            ? epoch.highWaterMark
            : low.highWaterMark,
        refreshedAt: Math.min(low?.refreshedAt ?? Infinity, epoch.refreshedAt),
      };
    }
    return low;
  }

  /** The run of entry `i` (a row of a file skipped: file-skips.ts), remembered for keepAnswered. */
  answerAt(i: number): CachedRun {
    this.answered[i] = 1;
    return this.entryAt(i);
  }

  /** The index of `key`'s entry, or -1. */
  indexOf(key: string): number {
    return this.columns.keys.find(key);
  }

  /** Files whose every row this sync left in sync, to record with the cache (file-records.ts). */
  recordFiles(files: NewFileRecord[], readEnv: string): void {
    this.newFiles = files;
    this.readEnv = readEnv;
  }

  /** The row's run, when the cache holds this very row (same hash) as in sync. */
  inSync(key: string, rowHash: number | undefined): CachedRun | undefined {
    const i = this.answer(key, rowHash);
    return i < 0 ? undefined : this.entryAt(i);
  }

  /** The entry `inSync` would answer a run with (without making its texts), or -1. */
  entryInSync(key: string, rowHash: number | undefined): number {
    return this.answer(key, rowHash);
  }

  /** The clientKey of entry `i`. */
  keyAt(i: number): string {
    return this.columns.keys.keyAt(i);
  }

  /** The entry of this very row, or -1; remembered for keepAnswered. */
  private answer(key: string, rowHash: number | undefined): number {
    const i = this.columns.keys.find(key);
    if (i < 0) return -1;
    const same =
      this.alive[i] === 1 && rowHash !== undefined && this.columns.rowHash[i] === rowHash;
    this.answered[i] = same ? 1 : 0;
    return same ? i : -1;
  }

  /**
   * 1 + the index of this set as this sync resolves its names (`digest`, made once a sync per
   * set): a set of another digest is another set, so an entry's set always says what its
   * row's names resolved to when it was recorded.
   */
  private nameSetOf(set: Omit<NameSet, "names">, digest: () => string): number {
    const key = nameSetKey(set);
    let i = this.nameSetsNow.get(key);
    if (i === undefined) this.nameSetsNow.set(key, (i = this.nameSetWith(set, digest())));
    return i;
  }

  /** 1 + the index of this set with this digest, added when new. */
  private nameSetWith(set: Omit<NameSet, "names">, names: string): number {
    const id = nameSetId(set, names);
    let i = this.nameSetIds.get(id);
    if (i === undefined) {
      i = this.nameSets.push({ assets: set.assets, metadataKeys: set.metadataKeys, names }) - 1;
      this.nameSetIds.set(id, i);
    }
    return i + 1;
  }

  /** The run the cache holds for this clientKey, whatever the row's hash. */
  get(key: string): CachedRun | undefined {
    const i = this.columns.keys.find(key);
    return i < 0 || !this.alive[i] ? undefined : this.entryAt(i);
  }

  /**
   * The row is in sync with its run at `modifiedDate`, as of the current epoch: its entry, or
   * -1. `lineHash`: of the manifest line it was read from (0: none, or not a line).
   */
  record(
    key: string,
    rowHash: number,
    run: CachedRun,
    lineHash = 0,
    names?: { set: Omit<NameSet, "names">; digest: () => string },
  ): number {
    const seconds = packTimestamp(run.modifiedDate);
    if (
      seconds === undefined ||
      !(seconds[0] >= 0 && seconds[0] <= 0xffffffff) ||
      Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES
    ) {
      this.drop(key);
      return -1;
    }
    this.catchUp();
    let i = this.columns.keys.find(key);
    if (i < 0) i = this.append(key);
    const c = this.columns;
    if (!packRunId(run.runId, c.runId, i * 16)) {
      this.drop(key);
      return -1;
    }
    if (c.rowHash[i] !== rowHash) this.rehashed[i] = 1;
    c.rowHash[i] = rowHash;
    c.lineHash[i] = lineHash;
    c.names[i] = names === undefined ? 0 : this.nameSetOf(names.set, names.digest);
    c.seconds[i] = seconds[0];
    c.nanos[i] = seconds[1];
    c.epoch[i] = this.currentEpoch();
    this.alive[i] = 1;
    this.touched[i] = 1;
    return i;
  }

  /**
   * The row whose run `inSync` last answered is in sync with that run, as of the current epoch:
   * what `record` of the same hash and run does, without hashing the row and packing its run
   * again: its entry. -1 when `inSync`'s last answer for `key` was no, or the entry was dropped since.
   * `lineHash`: the line the row was read from this time (the same row: its content's hash is
   * the entry's), which a line of the next sync is matched with; undefined keeps the entry's.
   */
  keepAnswered(key: string, lineHash?: number): number {
    return this.keepAt(this.columns.keys.find(key), lineHash);
  }

  /** keepAnswered of the entry at `i` (a skipped file's row knows its entry). */
  keepAt(i: number, lineHash?: number): number {
    if (i < 0 || !this.alive[i] || !this.answered[i]) return -1;
    if (lineHash !== undefined) this.columns.lineHash[i] = lineHash;
    this.columns.epoch[i] = this.currentEpoch();
    this.touched[i] = 1;
    return i;
  }

  /** The row was handled and is not in sync (failed, skipped, to change): forget it. */
  drop(key: string): void {
    const i = this.columns.keys.find(key);
    if (i < 0) return;
    this.alive[i] = 0;
    this.touched[i] = 1;
  }

  /**
   * Entries `inScope` selects that no handled row touched: rows gone from the manifests (touched
   * now, so that the file's copy of them is not merged back).
   */
  dropUntouched(inScope: (key: string) => boolean): void {
    for (let i = 0; i < this.columns.count; i++) {
      if (!this.touched[i] && this.alive[i] && inScope(this.columns.keys.keyAt(i))) {
        this.alive[i] = 0;
        this.touched[i] = 1;
      }
    }
  }

  /**
   * Writes the cache atomically. A cache another sync wrote meanwhile (cron and a manual run)
   * is merged: its entries stand for every row this one did not handle, each with its own
   * epoch, so neither sync's knowledge is lost and no entry goes back.
   */
  save(path: string): void {
    this.catchUp();
    this.mergeFrom(path);
    const { data, selection } = this.compact();
    writeCacheFile(path, cacheFileParts(data, selection));
  }

  private mergeFrom(path: string): void {
    // NOTE: the file this cache was read from holds nothing it does not (dropped entries are
    // touched): merging it again would only cost a second read of a million entries.
    if (this.loadedStamp !== undefined && cacheFileStamp(path) === this.loadedStamp) return;
    let disk: CacheData;
    try {
      const file = readCacheFile(path);
      if (file === undefined) return;
      disk = decodeCache(file.bytes);
    } catch {
      return; // unreadable: replaced
    }
    if (differentIdentity(disk.meta, this.identity) !== undefined) return;
    this.merged = true;
    const epochOf = new Map<number, number>();
    const c = disk.columns;
    for (let j = 0; j < c.count; j++) {
      const i = this.columns.keys.findIn(c.keys, j);
      if (i >= 0 && this.touched[i]) continue;
      let e = epochOf.get(c.epoch[j]!);
      if (e === undefined) {
        e = this.epochs.push(disk.meta.epochs[c.epoch[j]!]!) - 1;
        epochOf.set(c.epoch[j]!, e);
      }
      const at = i >= 0 ? i : this.append(c.keys, j);
      this.columns.rowHash[at] = c.rowHash[j]!;
      this.columns.lineHash[at] = c.lineHash[j]!;
      const set = c.names[j]! === 0 ? undefined : disk.meta.nameSets?.[c.names[j]! - 1];
      this.columns.names[at] = set ? this.nameSetWith(set, set.names) : 0;
      this.columns.runId.set(c.runId.subarray(j * 16, j * 16 + 16), at * 16);
      this.columns.seconds[at] = c.seconds[j]!;
      this.columns.nanos[at] = c.nanos[j]!;
      this.columns.epoch[at] = e;
      this.alive[at] = 1;
    }
  }

  /**
   * The live entries, those of the files recorded first (each file's together, in its order),
   * and the records. A file read before is kept while its entries are alive (and no other
   * sync's file was merged in: its entries may stand for other rows).
   */
  private compact(): { data: CacheData; selection: Selection } {
    const { count } = this.columns;
    const live = this.size;
    const files: FileRecord[] = [];
    const fileLines: Uint32Array[] = [];
    const order = new EntryOrder(count, live, this.alive);
    const place = (
      record: Omit<FileRecord, "start" | "count">,
      length: number,
      at: (k: number) => number,
      lines: Uint32Array,
    ) => {
      const start = order.placedCount;
      if (!order.place(length, at)) return;
      files.push({ ...record, start, count: length } as FileRecord);
      fileLines.push(lines);
    };
    for (const { record, entries, lines } of this.newFiles)
      place(record, entries.length, (k) => entries[k]!, lines);
    // NOTE: a file's entries this sync touched and left alive are in sync still, unless one was
    // recorded with another hash: that row came from other bytes (another file's, or this
    // file's edited, which was not recorded again), and the bytes its record vouches for, the
    // names its lines are matched under, are the old row's.
    if (!this.merged && this.readEnv === this.loadedReadEnv) {
      this.loadedFiles.forEach((file, f) => {
        if (this.rehashed.subarray(file.start, file.start + file.count).includes(1)) return;
        place(file, file.count, (k) => file.start + k, this.loadedLines[f]!);
      });
    }
    // NOTE: a night that changed nothing finds the entries in this order already: they are
    // written as they lie. Else they are written through the order (never a copy of them).
    const written = selectEntries(
      this.columns,
      this.alive,
      live,
      this.epochs,
      this.identity,
      order.finish(),
      this.nameSets,
    );
    if (files.length === 0) return written;
    const { data } = written;
    data.meta.files = files;
    if (this.readEnv !== undefined) data.meta.readEnv = this.readEnv;
    data.fileLines = fileLines;
    return written;
  }

  private currentEpoch(): number {
    if (this.current < 0) throw new Error("beginEpoch before recording");
    return this.current;
  }

  private entryAt(i: number): CachedRun {
    const c = this.columns;
    return {
      runId: unpackRunId(c.runId, i * 16),
      modifiedDate: unpackTimestamp(c.seconds[i]!, c.nanos[i]!),
    };
  }

  /**
   * An entry, not alive, for each key others added to the keys (see `empty`) since: each key of
   * the table is an entry, as `record` and `save` expect.
   */
  private catchUp(): void {
    const { count } = this.columns.keys;
    if (count === this.columns.count) return;
    if (count > this.columns.rowHash.length)
      this.grow(Math.max(count, this.columns.rowHash.length * 2));
    this.columns.count = count;
  }

  /** A new entry for `key`, or for the key `from` holds at `j`. */
  private append(key: string | KeyTable, j = 0): number {
    this.catchUp();
    const c = this.columns;
    if (c.count === c.rowHash.length) this.grow(Math.max(1024, c.count * 2));
    const i = typeof key === "string" ? c.keys.add(key) : c.keys.addFrom(key, j);
    this.columns.count++;
    return i;
  }

  private grow(capacity: number): void {
    this.columns = grownColumns(this.columns, capacity);
    this.alive = resized(this.alive, capacity);
    this.touched = resized(this.touched, capacity);
    this.rehashed = resized(this.rehashed, capacity);
    this.answered = resized(this.answered, capacity);
  }
}

/** A name set as text: its names in order (sorted already), apart by NUL, the lists by SOH. */
function nameSetKey(set: Omit<NameSet, "names">): string {
  return `${set.assets.join("\0")}\u0001${set.metadataKeys.join("\0")}`;
}

function nameSetId(set: Omit<NameSet, "names">, names: string): string {
  return `${nameSetKey(set)}\u0002${names}`;
}
