import { resolve } from "node:path";
import {
  cacheEntryOf,
  isReplayed,
  type FileSkips,
  type KnownKeys,
  type SharedKeys,
  type LineReading,
  type Resolution,
  type RunSpec,
  stubSpec,
} from "../manifest/index.js";
import { type CacheData, cacheFileStamp } from "./cache-file.js";
import { digestFile, type FileDigest, loadFor, READ_ENV } from "./file-skip-io.js";
import { type FileRecord, namesDigest, RecordedRows } from "./file-records.js";
import { KeyTable } from "./key-table.js";
import { LineCursor, LineIndex } from "./line-match.js";
import type { ResolvedNames } from "./row-hash.js";
import type { NewFileRecord, SyncCache } from "./sync-cache.js";

/**
 * How many stub runs a skipped file yields at a time (each chunk goes through every pass).
 * NOTE: small, as plan/row-replay.ts's chunks: a chunk that outlives a young collection is old
 * garbage.
 */
const CHUNK = 256;

/** A file of the cache read, which this sync skips (until `settle` withdraws it). */
interface Skip {
  record: FileRecord;
  lines: Uint32Array;
  withdrawn: boolean;
  /** Withdrawn for the runs Sift changed alone: read, its other lines matched (LineCursor). */
  byLine?: boolean;
}

/** What `settle` withdrew: the files whose rows an earlier pass took from the cache and which must be read again. */
export interface Settled {
  /** Skipped files read after all, in full (the cache is not trusted, or names resolve otherwise). */
  withdrawn: number;
  /** Skipped files read for the rows of runs Sift changed: their other lines still matched. */
  byLine: number;
  /** Files read whose lines the first pass matched, some of which are parsed after all. */
  unmatched: number;
  /** Rows the first pass took from the cache must be read again (withdrawn, by line, unmatched). */
  reread: boolean;
}

/** A file this sync reads: what its record would say, if its every row ends in sync. */
interface ReadFile {
  file: string;
  path: string;
  readKey: string;
  size: number;
  sha256: string;
  /** The file's stat when hashed: a file changed while it was read is not recorded. */
  stamp: string;
  runs: number;
  /** A warning, an invalid run or a value a rule decided: read every time. */
  troubled: boolean;
  assets: Set<string>;
  metadataKeys: Set<string>;
  /** The name sets of the rows its lines matched (their names are its rows'). */
  sets: Set<number>;
}

/**
 * The sync cache's side of skipping files (manifest/file-skips.ts). Before the manifests are
 * read it loads the cache of this API (the organization is known only later: the one cache of
 * this API, or the newest), and answers each file: its runs as stubs when its record matches
 * (same path, bytes, read key, tool), else read it. Once the session knows whether the cache
 * is trusted, what Sift changed and what the names resolve to, `settle` withdraws the files it
 * cannot vouch for; they are read when the rows are planned. It also gathers what the next
 * sync's records need: which rows of which file ended in sync.
 */
export class CacheFileSkips implements FileSkips {
  private readonly decided = new Map<string, Skip | undefined>();
  private readonly reads = new Map<string, ReadFile>();
  private readonly rows = new Map<string, RecordedRows>();
  /** How many rows each skipped file's record holds. */
  private readonly skippedRows = new Map<string, number>();
  /** The first pass's line matching of each file read (by name): how many lines it matched. */
  private readonly firstPass = new Map<string, LineCursor>();
  /** Files holding the API key: parsed line by line, to refuse that row at its line. */
  private readonly secretFiles = new Set<string>();
  private lineIndex: LineIndex | undefined;
  /** 1 for each entry a line of the first pass stood for. */
  private firstMatched: Uint8Array | undefined;
  /** The name sets of the rows the first pass's lines stood for. */
  private readonly matchedSets = new Set<number>();
  private sharedKeys: KeyTable | undefined;
  /** Set by `settle`: 1 for an entry a stub may stand for (file-records.ts, not withdrawn). */
  private allowed: Uint8Array | undefined;

  private constructor(
    private readonly loaded: { path: string; stamp: string; data: CacheData } | undefined,
  ) {}

  /**
   * The skips of a sync of every row against `apiUrl` whose cache lives in `dir` (files are
   * recorded for the next sync). `skip`: files may be skipped (not with --refresh full or
   * --archive-missing).
   */
  static open(dir: string, apiUrl: string, use: { skip: boolean }): CacheFileSkips {
    return new CacheFileSkips(use.skip ? loadFor(resolve(dir), apiUrl) : undefined);
  }

  /**
   * The keys the manifests' duplicate check keeps places by index in (manifest/client-keys.ts):
   * those of the cache read (each once, at the indexes its stubs name), or without one the keys
   * a new cache is made with (`newKeys`: the registry adds every key it meets, held once).
   */
  registryKeys(): { known: KnownKeys } | { shared: SharedKeys } {
    const loaded = this.loaded?.data.columns.keys;
    if (loaded !== undefined) return { known: loaded };
    this.sharedKeys ??= new KeyTable();
    return { shared: this.sharedKeys };
  }

  /** The keys the duplicate check added to (registryKeys()), for a cache made anew. */
  get newKeys(): KeyTable | undefined {
    return this.sharedKeys;
  }

  async skip(
    file: string,
    path: string,
    readKey: string,
  ): Promise<Iterable<RunSpec[]> | undefined> {
    if (this.decided.has(path)) {
      const skip = this.decided.get(path);
      return skip && !skip.withdrawn ? this.stubsOf(skip) : undefined;
    }
    let read: FileDigest;
    const stamp = cacheFileStamp(path) ?? "";
    try {
      read = await digestFile(path);
    } catch {
      this.decided.set(path, undefined);
      return undefined; // the reader says why it cannot be read
    }
    const { size, sha256 } = read;
    // NOTE: a file holding the API key makes its rows invalid; read it to say so at its line.
    const skip = read.holdsSecret ? undefined : this.match(file, path, readKey, size, sha256);
    this.decided.set(path, skip);
    if (skip !== undefined) {
      this.skippedRows.set(file, skip.record.count);
      return this.stubsOf(skip);
    }
    if (read.holdsSecret) this.secretFiles.add(path);
    this.reads.set(file, {
      file,
      path,
      readKey,
      size,
      sha256,
      stamp,
      runs: 0,
      troubled: false,
      assets: new Set(),
      metadataKeys: new Set(),
      sets: new Set(),
    });
    return undefined;
  }

  /**
   * A file read: its lines hashed (recorded with its rows), and matched with the rows the
   * cache holds (LineCursor): a line of the same text under the same header and
   * reading is that row, unchanged since (a skipped file read for the runs Sift changed, an
   * edited or renamed export). After `settle`, only with the records it vouches for.
   */
  lines(file: string, path: string, readKey: string): LineReading {
    // NOTE: the tool, Node.js and its time-zone data seed every line's hash too: what a line
    // reads as under another of them is not known to be the row it was (READ_ENV).
    const reading: LineReading = { readKey: `${readKey}\n${READ_ENV}` };
    const data = this.loaded?.data;
    if (data === undefined || this.secretFiles.has(path)) return reading;
    const records = data.meta.files ?? [];
    const { columns } = data;
    if (this.lineIndex === undefined) {
      // A row a line may stand for: any entry with its line's hash and the names it uses
      // (whether or not its file was recorded: a plan that found a change drops the record).
      const matchable = new Uint8Array(columns.count);
      for (let e = 0; e < columns.count; e++)
        matchable[e] = columns.names[e]! > 0 && columns.lineHash[e]! !== 0 ? 1 : 0;
      const starts = records.map((r) => r.start);
      this.lineIndex = new LineIndex(columns.lineHash, columns.keys, matchable, starts);
    }
    // Its own rows first, where the record of this path has them (no index needed then).
    const own = records.find((r) => r.path === path && r.readKey === readKey);
    const allowed = this.allowed ?? this.lineIndex.matchable;
    const cursor = new LineCursor(this.lineIndex, allowed, own?.start ?? -1);
    if (this.allowed === undefined && this.reads.has(file)) this.firstPass.set(file, cursor);
    reading.matcher = cursor;
    return reading;
  }

  /** Rows of files read that the first pass took from the cache by their lines, and in how many files. */
  get matchedLines(): { rows: number; files: number } {
    let files = 0;
    for (const cursor of this.firstPass.values()) if (cursor.matched > 0) files++;
    // Once settled, not those parsed after all (Sift changed their run, their names differ).
    const { allowed, firstMatched } = this;
    let rows = 0;
    if (firstMatched !== undefined)
      for (let e = 0; e < firstMatched.length; e++)
        if (firstMatched[e] && (allowed === undefined || allowed[e])) rows++;
    return { rows, files };
  }

  /** A valid run read (a stub, or parsed), in the first pass: what its file's record holds. */
  noteRun(spec: RunSpec, resolved?: readonly Resolution[]): void {
    const read = this.reads.get(spec.source.file);
    if (read === undefined) return;
    read.runs++;
    const entry = cacheEntryOf(spec);
    if (entry !== undefined) this.noteNamesOf(read, entry);
    if (resolved !== undefined && resolved.length > 0) read.troubled = true;
    for (const asset of spec.assets ?? []) read.assets.add(asset);
    for (const key in spec.metadata) read.metadataKeys.add(key);
  }

  /** A line matched with `entry`: its row's names are its name set's (CacheColumns.names). */
  private noteNamesOf(read: ReadFile, entry: number): void {
    const { columns } = this.loaded!.data;
    (this.firstMatched ??= new Uint8Array(columns.count))[entry] = 1;
    const s = columns.names[entry]!;
    if (s === 0) return; // never matched in the first pass (LineIndex: names known)
    this.matchedSets.add(s);
    if (read.sets.has(s)) return;
    read.sets.add(s);
    const set = this.loaded!.data.meta.nameSets![s - 1]!;
    for (const asset of set.assets) read.assets.add(asset);
    for (const key of set.metadataKeys) read.metadataKeys.add(key);
  }

  /** A warning or an invalid run in `file`: it is read every time. */
  noteTrouble(file: string): void {
    const read = this.reads.get(file);
    if (read !== undefined) read.troubled = true;
  }

  /** The names the skipped files' runs use: resolved with the others', so `settle` can compare. */
  namesOfSkipped(): { assets: string[]; metadataKeys: string[] } {
    const assets: string[] = [];
    const metadataKeys: string[] = [];
    for (const skip of this.decided.values()) {
      if (skip === undefined) continue;
      assets.push(...skip.record.assets);
      metadataKeys.push(...skip.record.metadataKeys);
    }
    // The rows that lines stood for: their names exactly (a record's would be more).
    const sets = this.loaded?.data.meta.nameSets ?? [];
    for (const s of this.matchedSets) {
      assets.push(...sets[s - 1]!.assets);
      metadataKeys.push(...sets[s - 1]!.metadataKeys);
    }
    return { assets, metadataKeys };
  }

  /** How many files are skipped (and not withdrawn). */
  get skipped(): number {
    let n = 0;
    for (const skip of this.decided.values()) if (skip && !skip.withdrawn) n++;
    return n;
  }

  /** The rows standing for skipped files. */
  get skippedRuns(): number {
    let n = 0;
    for (const skip of this.decided.values()) if (skip && !skip.withdrawn) n += skip.record.count;
    return n;
  }

  /** The cache this sync read, when it is the one of `path` and unchanged since. */
  preloadedFor(path: string): { data: CacheData; stamp: string } | undefined {
    const loaded = this.loaded;
    if (loaded === undefined || loaded.path !== path) return undefined;
    return cacheFileStamp(path) === loaded.stamp ? loaded : undefined;
  }

  /**
   * Withdraws the skips the session cannot vouch for: all when the cache is not trusted (or
   * is not the one read), and a file whose names resolve otherwise; a file holding a run Sift
   * changed is read by line (the lines of such runs are parsed, the others matched). From then
   * on a line stands only for a row of a record the session vouches for, whose run Sift did
   * not change. Returns what it withdrew: those rows must be read again before they are planned.
   */
  settle(session: {
    cache: SyncCache | undefined;
    trusted: boolean;
    changed: ReadonlySet<string>;
    names: ResolvedNames;
  }): Settled {
    const settled: Settled = { withdrawn: 0, byLine: 0, unmatched: 0, reread: false };
    const { cache } = session;
    const data = this.loaded?.data;
    const records = data?.meta.files ?? [];
    // NOTE: the very meta this read: a cache without file records has no files array to compare.
    const same =
      cache !== undefined &&
      session.trusted &&
      data !== undefined &&
      cache.loadedMeta === data.meta;
    const changedAt = same ? [...session.changed].map((key) => cache.indexOf(key)) : [];
    const allowed = (this.allowed = new Uint8Array(data?.columns.count ?? 0));
    const vouched = records.map(
      (record) => same && namesDigest(record, session.names) === record.names,
    );
    records.forEach(({ start, count }, r) => {
      if (vouched[r]) allowed.fill(1, start, start + count);
    });
    // A line stands for a row whose own names resolve as they did (its name set's digest).
    const sets = data?.meta.nameSets ?? [];
    const setVouched = [
      false,
      ...sets.map((set) => same && namesDigest(set, session.names) === set.names),
    ];
    const matchable = this.lineIndex?.matchable;
    if (matchable !== undefined && data !== undefined)
      for (let e = 0; e < matchable.length; e++)
        if (matchable[e] && setVouched[data.columns.names[e]!]) allowed[e] = 1;
    // NOTE: a run Sift changed: its row is parsed wherever its line is met.
    for (const i of changedAt) if (i >= 0) allowed[i] = 0;
    for (const skip of this.decided.values()) {
      if (skip === undefined) continue;
      const { start, count } = skip.record;
      const names = vouched[records.indexOf(skip.record)] === true;
      const changed = changedAt.some((i) => i >= start && i < start + count);
      if (names && !changed) continue;
      skip.withdrawn = true;
      if (names) {
        skip.byLine = true;
        settled.byLine++;
      } else settled.withdrawn++;
    }
    const someRefused = changedAt.length > 0 || [...this.matchedSets].some((s) => !setVouched[s]);
    if (someRefused)
      for (const cursor of this.firstPass.values()) if (cursor.matched > 0) settled.unmatched++;
    settled.reread = settled.withdrawn + settled.byLine + settled.unmatched > 0;
    return settled;
  }

  /** The cache entry standing for a stub run, or undefined for a run read from its file. */
  entryOf(spec: RunSpec): number | undefined {
    const i = cacheEntryOf(spec);
    if (i === undefined || isReplayed(spec)) return i;
    if (this.allowed === undefined || !this.allowed[i])
      throw new Error(`${spec.source.file}: a skipped file's run reached the plan unsettled`);
    return i;
  }

  /** A row of `file` ended in sync at entry `entry` (-1: not recorded after all). */
  recorded(spec: RunSpec, entry: number): void {
    const rows = this.rowsOf(spec.source.file);
    if (entry < 0) rows.spoiled = true;
    else rows.add(entry, spec.source.line);
  }

  /** A row of `file` did not end in sync: the file is not recorded. */
  spoiled(spec: RunSpec): void {
    this.rowsOf(spec.source.file).spoiled = true;
  }

  private rowsOf(file: string): RecordedRows {
    let rows = this.rows.get(file);
    if (rows === undefined) {
      // The rows counted when it was read (validated first), or those of its record when skipped.
      const expected = this.reads.get(file)?.runs ?? this.skippedRows.get(file);
      this.rows.set(file, (rows = new RecordedRows(expected)));
    }
    return rows;
  }

  /**
   * The records of the files whose every row ended in sync: those read (unchanged while read),
   * and those skipped (their rows answered from the cache, all of them).
   */
  newRecords(names: ResolvedNames): NewFileRecord[] {
    const records: NewFileRecord[] = [];
    const wanted = new Map<
      string,
      { record: Omit<FileRecord, "start" | "count">; runs: number; stamp?: string }
    >();
    for (const read of this.reads.values()) {
      if (read.troubled || read.runs === 0) continue;
      const { file, path, readKey, size, sha256 } = read;
      const assets = [...read.assets];
      const metadataKeys = [...read.metadataKeys];
      const digest = namesDigest({ assets, metadataKeys }, names);
      wanted.set(file, {
        record: { file, path, readKey, size, sha256, names: digest, assets, metadataKeys },
        runs: read.runs,
        stamp: read.stamp,
      });
    }
    for (const skip of this.decided.values()) {
      // A file read by line is the same file: its record stands if every row ends in sync.
      if (skip === undefined || (skip.withdrawn && !skip.byLine)) continue;
      const { start: _s, count, ...record } = skip.record;
      wanted.set(record.file, { record, runs: count });
    }
    for (const [file, want] of wanted) {
      const rows = this.rows.get(file);
      if (rows === undefined || rows.spoiled || rows.count !== want.runs) continue;
      if (want.stamp !== undefined && cacheFileStamp(want.record.path) !== want.stamp) continue;
      const sorted = rows.sorted();
      if (sorted !== undefined) records.push({ record: want.record, ...sorted });
    }
    return records;
  }

  private match(
    file: string,
    path: string,
    readKey: string,
    size: number,
    sha256: string,
  ): Skip | undefined {
    const data = this.loaded?.data;
    if (data === undefined || data.meta.readEnv !== READ_ENV) return undefined;
    const files = data.meta.files ?? [];
    const f = files.findIndex(
      (r) =>
        r.path === path &&
        r.file === file &&
        r.readKey === readKey &&
        r.size === size &&
        r.sha256 === sha256,
    );
    if (f < 0) return undefined;
    return { record: files[f]!, lines: data.fileLines![f]!, withdrawn: false };
  }

  private *stubsOf(skip: Skip): Generator<RunSpec[]> {
    const { keys } = this.loaded!.data.columns;
    const { file, start, count } = skip.record;
    for (let from = 0; from < count; from += CHUNK) {
      const specs: RunSpec[] = [];
      for (let k = from; k < Math.min(count, from + CHUNK); k++) {
        specs.push(stubSpec(keys.keyAt(start + k), { file, line: skip.lines[k]! }, start + k));
      }
      yield specs;
    }
  }
}
