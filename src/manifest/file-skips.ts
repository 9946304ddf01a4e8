import type { ManifestItem } from "./manifest-item.js";
import type { RunSpec, Source } from "./spec.js";

/**
 * Files the last sync left wholly in sync and that have not changed since (the sync cache's,
 * cache/file-skips.ts): a reader asks before it reads a file, and takes the runs the cache
 * stands in for it (clientKey and source only) instead of parsing it. Every pass asks; the
 * answer for a file is the same in each (it may only be withdrawn before the rows are planned).
 */
export interface FileSkips {
  /**
   * The runs standing for `file` (as messages name it; `path` absolute), in chunks, when it
   * may be skipped; undefined to read it. `readKey` names everything besides its bytes that
   * decides what is read from it (the CSV dialect, a sync config's source, `--unicode`).
   */
  skip(file: string, path: string, readKey: string): Promise<Iterable<RunSpec[]> | undefined>;
  /**
   * For a file read (not skipped): how its lines are hashed (the rows read carry the hash,
   * lineHashOf) and which stand for a row the last sync left in sync (LineMatcher).
   */
  lines?(file: string, path: string, readKey: string): LineReading | undefined;
}

/**
 * A file read line by line with the sync cache (CSV): each record's text is hashed, seeded
 * with `readKey` and the file's header (core/text-hash.ts lineSeed), and a line the matcher
 * knows becomes a stub run, as a skipped file's row, without being parsed.
 */
export interface LineReading {
  /** What else decides what a line reads as (manifestReadKey): part of the lines' seed. */
  readKey: string;
  matcher?: LineMatcher;
}

/**
 * The rows the last sync left in sync in a file since changed: a line of the same text, under
 * the same header and reading, is that very row. NOTE: what a text reads as depends on
 * nothing else (not its line number, not the rows around it; a duplicate clientKey is found
 * from the stub's key as from any row's), so its row is unchanged since.
 */
export interface LineMatcher {
  /** The cache entry of the row whose line had this hash, else -1 (the line is parsed). */
  match(hash: number): number;
  /** The clientKey of an entry `match` gave. */
  keyAt(entry: number): string;
}

/**
 * A skipped file's run carries the cache entry it stands for under this key (a symbol: no
 * output, copy or check of the run's fields sees it).
 */
const CACHE_ENTRY = Symbol("sift-run-sync.cacheEntry");

const REPLAYED = Symbol("sift-run-sync.replayed");

/** The hash of the line a run was read from (LineReading), under this key. */
const LINE_HASH = Symbol("sift-run-sync.lineHash");

/** A run standing for a row of a skipped file: its clientKey and source, and its cache entry. */
type StubSpec = RunSpec & { [CACHE_ENTRY]: number };

/**
 * The run standing for the row at `source` of a skipped file (or a line matched: `lineHash`),
 * whose cache entry is `entry`.
 */
export function stubSpec(
  clientKey: string,
  source: Source,
  entry: number,
  lineHash?: number,
): RunSpec {
  const spec: StubSpec = { clientKey, source, [CACHE_ENTRY]: entry };
  if (lineHash !== undefined) withLineHash(spec, lineHash);
  return spec;
}

/** Marks a run read from a line of this hash. */
export function withLineHash(spec: RunSpec, hash: number): void {
  (spec as { [LINE_HASH]?: number })[LINE_HASH] = hash;
}

/** The hash of the line a run was read from, when read with a LineReading. */
export function lineHashOf(spec: RunSpec): number | undefined {
  return (spec as { [LINE_HASH]?: number })[LINE_HASH];
}

/**
 * A run standing for a row that a pass over its file already read and found in sync at cache
 * entry `entry` (plan/row-replay.ts): a stub as a skipped file's, decided once the skips were
 * settled, so a file read after all may have it.
 */
export function replayedSpec(clientKey: string, source: Source, entry: number): RunSpec {
  const spec: StubSpec & { [REPLAYED]: true } = {
    clientKey,
    source,
    [CACHE_ENTRY]: entry,
    [REPLAYED]: true,
  };
  return spec;
}

/**
 * A copy of a stub run, made by a literal of its own: a run held past its reading (HeldRows)
 * must not be the reader's object, or V8 soon makes every stub old (see plan/held-rows.ts).
 */
export function copyStub(spec: RunSpec): RunSpec {
  const stub = spec as StubSpec & { [REPLAYED]?: true; [LINE_HASH]?: number };
  const copy: StubSpec & { [REPLAYED]?: true } = {
    clientKey: stub.clientKey,
    source: { file: stub.source.file, line: stub.source.line },
    [CACHE_ENTRY]: stub[CACHE_ENTRY],
  };
  if (stub[LINE_HASH] !== undefined) withLineHash(copy, stub[LINE_HASH]);
  if (stub[REPLAYED] === true) copy[REPLAYED] = true;
  return copy;
}

/** Whether a stub run stands for a row read in an earlier pass (replayedSpec). */
export function isReplayed(spec: RunSpec): boolean {
  return (spec as { [REPLAYED]?: true })[REPLAYED] === true;
}

/** The cache entry a stub run stands for; undefined for a run read from its file. */
export function cacheEntryOf(spec: RunSpec): number | undefined {
  return (spec as Partial<StubSpec>)[CACHE_ENTRY];
}

/**
 * The item of a line the matcher of `lines` knows (a line the last sync left in sync,
 * unchanged): the stub of its cache entry, at `source`.
 */
export function lineStubItem(
  lines: LineReading,
  entry: number,
  source: Source,
  hash: number,
): ManifestItem {
  const spec = stubSpec(lines.matcher!.keyAt(entry), source, entry, hash);
  return { kind: "run", spec };
}

/** The items of a skipped file's runs. */
export function stubItems(specs: RunSpec[]): ManifestItem[] {
  const items = new Array<ManifestItem>(specs.length);
  for (let i = 0; i < specs.length; i++) items[i] = { kind: "run", spec: specs[i]! };
  return items;
}
