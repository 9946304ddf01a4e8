import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, type Stats, statSync } from "node:fs";
import { endianness } from "node:os";
import { join, resolve } from "node:path";
import { decodeLines, type FileRecord } from "./file-records.js";
import { KeyTable } from "./key-table.js";

/**
 * The sync cache on disk: one file per API URL and organization, read whole and rewritten
 * whole by each sync (every entry is read in manifest order, so an own flat format beats an
 * embedded store: see docs/performance.md, "The sync cache").
 *
 *   "SRSCACHE"  u32 FORMAT_VERSION  u32 metaBytes  meta (JSON)  u32 count  u32 keyBytes
 *   u32 lineBytes  u32 widths (bytes 0-2: of a key's length, an epoch, a name set; each 1
 *   when every value fits a byte, else 2)
 *   the columns, count entries each: f64 rowHash, f64 lineHash, 16 B runId (UUID), u32
 *   seconds, u32 nanos, epoch, name set, key length; then the keys (UTF-8) end to end;
 *   then the lines of the rows of `meta.files`, file after file (file-records.ts: a byte a
 *   row, mostly)
 *   32 B SHA-256 of everything before it

 * Column by column, so that reading a million entries is a few copies into typed arrays and
 * the keys stay bytes (key-table.ts), not a million strings. Little-endian.
 *
 * Written to a temporary file beside it, fsynced, then renamed over it: a reader sees the old
 * file or the new one, never half of one (cache-write.ts).
 */

export const MAGIC = "SRSCACHE";
export const FORMAT_VERSION = 4;
const TRAILER_BYTES = 32;
/** The magic, the format version and the meta's length; then the meta, the count and two sizes. */
export const HEADER_BYTES = MAGIC.length + 4 + 4;
/** After the meta: the count, the keys' and the lines' sizes, the widths of three columns. */
export const COUNTS_BYTES = 16;
/** Per entry: row hash, line hash, runId, seconds, nanos (then its epoch, name set, key's length and bytes). */
const ENTRY_BYTES = 8 + 8 + 16 + 4 + 4;
export const MAX_KEY_BYTES = 0xffff;

/** One sync that wrote entries: the high-water mark its entries are known to be good from. */
export interface Epoch {
  /** Sift's clock when that sync began (the newest modifiedDate it saw then). */
  highWaterMark: string;
  /** When (local clock, ms since 1970) the entries were last read in full from Sift. */
  refreshedAt: number;
}

export interface CacheMeta {
  apiUrl: string;
  organizationId: string;
  /**
   * The organization's oldest run (`runId@createdDate`): another one means runs were deleted or
   * the organization (an emulator) was reset, which no listing of changes can show.
   */
  fingerprint: string;
  toolVersion: string;
  /** The diff options the row hashes were made with. */
  optionHash: string;
  epochs: Epoch[];
  /** Files whose rows are all in sync, and whose entries lie together (file-records.ts). */
  files?: FileRecord[];
  /** The asset names and metadata keys of entries' rows (CacheColumns.names). */
  nameSets?: NameSet[];
  /** What else decides what a file reads as: the tool, Node.js and its time-zone data. */
  readEnv?: string;
}

/** The entries, column by column (a million of them stay a few typed arrays, not objects). */
/**
 * The asset names and metadata keys one or more rows use (sorted), and what they resolved to
 * when last recorded (namesDigest): a row a line stands for, not parsed, is vouched for by it.
 */
export interface NameSet {
  assets: string[];
  metadataKeys: string[];
  names: string;
}

export interface CacheColumns {
  count: number;
  keys: KeyTable;
  rowHash: Float64Array;
  /**
   * The hash of the manifest line the entry's row was last read from (0: none), seeded with
   * what its file's header and reading make of a line (core/text-hash.ts lineSeed): the same
   * line under the same header is this very row (cache/line-match.ts). NOTE: set whenever
   * rowHash is, so the two always describe one row.
   */
  lineHash: Float64Array;
  /** 16 bytes per entry. */
  runId: Uint8Array;
  /** Seconds since 1970 of the run's modifiedDate (a date past 2106 is not cached). */
  seconds: Uint32Array;
  nanos: Uint32Array;
  epoch: Uint16Array;
  /** 1 + the index of the row's name set in `meta.nameSets`, 0 for none known. */
  names: Uint16Array;
}

export interface CacheData {
  meta: CacheMeta;
  columns: CacheColumns;
  /** The lines of each of `meta.files`' rows, in its order. */
  fileLines?: Uint32Array[];
}

/**
 * The cache file of an API URL and organization in `dir`: `runs-` and 16 hex digits of their
 * hash (the key is never part of it). CACHE_FILE_NAME tells such a name.
 */
export function cacheFilePath(dir: string, apiUrl: string, organizationId: string): string {
  const id = createHash("sha256").update(`${apiUrl}\n${organizationId}`).digest("hex").slice(0, 16);
  return join(resolve(dir), `runs-${id}.srscache`);
}

/** The name of a cache file (cacheFilePath). */
export const CACHE_FILE_NAME = /^runs-[0-9a-f]{16}\.srscache$/;

/** Why a cache file cannot be used (the note of a full refresh says it); `routine`: not alarming. */
export class CacheFileError extends Error {
  constructor(
    message: string,
    readonly routine = false,
  ) {
    super(message);
  }
}

/** The bytes of a typed array's first `count` entries, as they lie in memory. */
export function bytesOf(
  array: Float64Array | Uint32Array | Uint16Array | Uint8Array,
  count: number,
) {
  return new Uint8Array(array.buffer, array.byteOffset, count * array.BYTES_PER_ELEMENT);
}

export function decodeCache(bytes: Buffer): CacheData {
  if (
    bytes.length < HEADER_BYTES + COUNTS_BYTES + TRAILER_BYTES ||
    bytes.toString("latin1", 0, 8) !== MAGIC
  )
    throw new CacheFileError("it is not a sync cache file");
  const body = bytes.subarray(0, bytes.length - TRAILER_BYTES);
  const sum = createHash("sha256").update(body).digest();
  if (!sum.equals(bytes.subarray(bytes.length - TRAILER_BYTES)))
    throw new CacheFileError("it is damaged (its checksum does not match)");
  let at = MAGIC.length;
  const version = bytes.readUInt32LE(at);
  if (version !== FORMAT_VERSION)
    throw new CacheFileError(
      `it has format ${version}, this version reads ${FORMAT_VERSION}`,
      true,
    );
  assertLittleEndian();
  at += 4;
  const metaBytes = bytes.readUInt32LE(at);
  at += 4;
  let meta: CacheMeta;
  try {
    meta = JSON.parse(bytes.toString("utf8", at, at + metaBytes)) as CacheMeta;
  } catch {
    throw new CacheFileError("its header cannot be read");
  }
  at += metaBytes;
  if (at + COUNTS_BYTES > body.length) throw new CacheFileError("its entries are cut short");
  const count = bytes.readUInt32LE(at);
  const keyBytes = bytes.readUInt32LE(at + 4);
  const lineBytes = bytes.readUInt32LE(at + 8);
  const widths = bytes.readUInt32LE(at + 12);
  const lengthBytes = widths & 0xff;
  const epochBytes = (widths >> 8) & 0xff;
  const nameBytes = (widths >> 16) & 0xff;
  if (![lengthBytes, epochBytes, nameBytes].every((w) => w === 1 || w === 2) || widths >>> 24)
    throw new CacheFileError("its header cannot be read");
  at += COUNTS_BYTES;
  const perEntry = ENTRY_BYTES + lengthBytes + epochBytes + nameBytes;
  const end = at + count * perEntry + keyBytes + lineBytes;
  if (end !== body.length)
    throw new CacheFileError(
      end > body.length ? "its entries are cut short" : "it holds more than its entries",
    );
  // NOTE: columns that start at a multiple of 8 in memory (a padded header, and a file read
  // into a buffer of its own) are views of the file's bytes, not copies: a million entries
  // are 41 MB less at the sync's peak. Each column's size keeps the next one aligned.
  const inPlace = (bytes.byteOffset + at) % 8 === 0;
  type Column = Float64Array | Uint32Array | Uint16Array | Uint8Array;
  const take = <T extends Column>(
    Type: {
      new (n: number): T;
      new (b: ArrayBufferLike, o: number, n: number): T;
      BYTES_PER_ELEMENT: number;
    },
    n: number,
  ): T => {
    const size = n * Type.BYTES_PER_ELEMENT;
    let column: T;
    // (A u16 column after an odd count of u8 values is copied: a view must be aligned.)
    if (inPlace && (bytes.byteOffset + at) % Type.BYTES_PER_ELEMENT === 0)
      column = new Type(bytes.buffer, bytes.byteOffset + at, n);
    else {
      column = new Type(n);
      bytesOf(column, n).set(bytes.subarray(at, at + size));
    }
    at += size;
    return column;
  };
  const rowHash = take(Float64Array, count);
  const lineHash = take(Float64Array, count);
  const runId = take(Uint8Array, count * 16);
  const seconds = take(Uint32Array, count);
  const nanos = take(Uint32Array, count);
  // NOTE: held as u16 in memory whatever their width on disk: a sync may add epochs and sets.
  const wide = (width: number) =>
    width === 2 ? take(Uint16Array, count) : Uint16Array.from(take(Uint8Array, count));
  const epoch = wide(epochBytes);
  const names = wide(nameBytes);
  const lengths = lengthBytes === 1 ? take(Uint8Array, count) : take(Uint16Array, count);
  let keys: KeyTable;
  try {
    keys = KeyTable.of(bytes.subarray(at, at + keyBytes), lengths, count);
  } catch {
    throw new CacheFileError("its keys do not match their lengths");
  }
  at += keyBytes;
  const fileLines = readFileLines(meta, body.subarray(at, at + lineBytes), count);
  return {
    meta,
    columns: { count, keys, rowHash, lineHash, runId, seconds, nanos, epoch, names },
    fileLines,
  };
}

/** The lines of the rows of `meta.files`; the files dropped when they do not add up (never written so). */
function readFileLines(meta: CacheMeta, bytes: Uint8Array, count: number): Uint32Array[] {
  const files = Array.isArray(meta.files) ? meta.files : [];
  const all: Uint32Array[] = [];
  let at = 0;
  try {
    for (const file of files) {
      if (!(file.start >= 0 && file.count >= 0 && file.start + file.count <= count))
        throw new RangeError("a file's entries are out of range");
      const read = decodeLines(bytes, at, file.count);
      all.push(read.lines);
      at = read.end;
    }
    if (at !== bytes.length) throw new RangeError("the lines do not add up");
  } catch {
    // NOTE: the entries stand; only skipping the files' parse is given up.
    meta.files = [];
    return [];
  }
  return all;
}

/** NOTE: the columns are copied as they lie in memory, which is little-endian almost everywhere. */
export function assertLittleEndian(): void {
  if (endianness() !== "LE")
    throw new CacheFileError("this machine is big-endian, which the sync cache does not support");
}

/** The file's bytes and stamp, or undefined when there is none. Other errors are the caller's note. */
export function readCacheFile(path: string): { bytes: Buffer; stamp: string } | undefined {
  try {
    const fd = openSync(path, "r");
    try {
      const stamp = stampOf(fstatSync(fd));
      return { bytes: readFileSync(fd), stamp };
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CacheFileError(`it cannot be read (${(error as Error).message})`);
  }
}

/**
 * What tells one version of the file from another: each write renames a new file over it (a
 * new inode), so an unchanged stamp means the very bytes that were read.
 */
export function cacheFileStamp(path: string): string | undefined {
  try {
    return stampOf(statSync(path));
  } catch {
    return undefined;
  }
}

function stampOf(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}
