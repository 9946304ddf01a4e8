import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

/**
 * The sync cache on disk: one file per API URL and organization, read whole and rewritten
 * whole by each sync (every entry is read in manifest order, so an own flat format beats an
 * embedded store: see docs/performance.md, "The sync cache").
 *
 *   "SRSCACHE"  u32 FORMAT_VERSION  u32 metaBytes  meta (JSON)  u32 count
 *   count × { f64 rowHash  16 B runId (UUID)  f64 seconds  u32 nanos  u16 epoch  u16 keyBytes  key (UTF-8) }
 *   32 B SHA-256 of everything before it
 *
 * Written to a temporary file beside it, fsynced, then renamed over it: a reader sees the old
 * file or the new one, never half of one.
 */

const MAGIC = "SRSCACHE";
const FORMAT_VERSION = 1;
const RECORD_FIXED_BYTES = 8 + 16 + 8 + 4 + 2 + 2;
const TRAILER_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 4 + 4;
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
}

/** The entries, column by column (a million of them stay a few typed arrays, not objects). */
export interface CacheColumns {
  count: number;
  keys: string[];
  rowHash: Float64Array;
  /** 16 bytes per entry. */
  runId: Uint8Array;
  seconds: Float64Array;
  nanos: Uint32Array;
  epoch: Uint16Array;
}

export interface CacheData {
  meta: CacheMeta;
  columns: CacheColumns;
}

/** Why a cache file cannot be used (the note of a full refresh says it). */
export class CacheFileError extends Error {}

export function encodeCache(data: CacheData): Buffer {
  const meta = Buffer.from(JSON.stringify(data.meta), "utf8");
  const { columns } = data;
  const keyBytes = columns.keys.slice(0, columns.count).map((key) => Buffer.from(key, "utf8"));
  let size = HEADER_BYTES + meta.length + 4 + TRAILER_BYTES;
  for (const bytes of keyBytes) size += RECORD_FIXED_BYTES + bytes.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(MAGIC, 0, "latin1");
  at = out.writeUInt32LE(FORMAT_VERSION, at);
  at = out.writeUInt32LE(meta.length, at);
  at += meta.copy(out, at);
  at = out.writeUInt32LE(columns.count, at);
  for (let i = 0; i < columns.count; i++) {
    const key = keyBytes[i]!;
    at = out.writeDoubleLE(columns.rowHash[i]!, at);
    out.set(columns.runId.subarray(i * 16, i * 16 + 16), at);
    at += 16;
    at = out.writeDoubleLE(columns.seconds[i]!, at);
    at = out.writeUInt32LE(columns.nanos[i]!, at);
    at = out.writeUInt16LE(columns.epoch[i]!, at);
    at = out.writeUInt16LE(key.length, at);
    at += key.copy(out, at);
  }
  createHash("sha256").update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

export function decodeCache(bytes: Buffer): CacheData {
  if (bytes.length < HEADER_BYTES + 4 + TRAILER_BYTES || bytes.toString("latin1", 0, 8) !== MAGIC)
    throw new CacheFileError("it is not a sync cache file");
  const body = bytes.subarray(0, bytes.length - TRAILER_BYTES);
  const sum = createHash("sha256").update(body).digest();
  if (!sum.equals(bytes.subarray(bytes.length - TRAILER_BYTES)))
    throw new CacheFileError("it is damaged (its checksum does not match)");
  let at = MAGIC.length;
  const version = bytes.readUInt32LE(at);
  if (version !== FORMAT_VERSION)
    throw new CacheFileError(`it has format ${version}, this version reads ${FORMAT_VERSION}`);
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
  const count = bytes.readUInt32LE(at);
  at += 4;
  const columns = allocateColumns(count);
  columns.count = count;
  try {
    for (let i = 0; i < count; i++) {
      columns.rowHash[i] = bytes.readDoubleLE(at);
      bytes.copy(columns.runId, i * 16, at + 8, at + 24);
      columns.seconds[i] = bytes.readDoubleLE(at + 24);
      columns.nanos[i] = bytes.readUInt32LE(at + 32);
      columns.epoch[i] = bytes.readUInt16LE(at + 36);
      const length = bytes.readUInt16LE(at + 38);
      at += RECORD_FIXED_BYTES;
      if (at + length > body.length) throw new RangeError("past the end");
      columns.keys[i] = bytes.toString("utf8", at, at + length);
      at += length;
    }
  } catch {
    throw new CacheFileError("its entries are cut short");
  }
  if (at !== body.length) throw new CacheFileError("it holds more than its entries");
  return { meta, columns };
}

export function allocateColumns(capacity: number): CacheColumns {
  return {
    count: 0,
    keys: new Array<string>(capacity),
    rowHash: new Float64Array(capacity),
    runId: new Uint8Array(capacity * 16),
    seconds: new Float64Array(capacity),
    nanos: new Uint32Array(capacity),
    epoch: new Uint16Array(capacity),
  };
}

/** The file's bytes, or undefined when there is none. Other errors are the caller's note. */
export function readCacheFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CacheFileError(`it cannot be read (${(error as Error).message})`);
  }
}

/** Temporary file, fsync, rename: the file is replaced whole or not at all. */
export function writeCacheFile(path: string, bytes: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(temp, "wx");
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/** The rename itself survives a crash once the directory is fsynced (not possible everywhere). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // NOTE: Windows cannot open a directory; the rename is still atomic there.
  }
}
