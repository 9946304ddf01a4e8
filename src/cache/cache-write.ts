import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import {
  assertLittleEndian,
  bytesOf,
  type CacheData,
  FORMAT_VERSION,
  COUNTS_BYTES,
  HEADER_BYTES,
  MAGIC,
} from "./cache-file.js";
import { encodeLines } from "./file-records.js";

/** How many entries a part of the file holds when it is made as it is written (64 KiB of u16). */
const PER_PART = 32_768;

/**
 * Which entries of the columns a save writes, in which order, and their epochs' new numbers
 * (old → new): the columns are read through it a part at a time, never copied whole (a
 * million entries and their keys were ~70 MB more at the save, when a sync's memory peaks).
 */
export interface Selection {
  /** The entries to write, in order; undefined: every entry, as they lie. */
  order?: Uint32Array;
  epochOf?: Uint16Array;
  /** Old name-set value (1 + index) → new one (0 stays 0). */
  namesOf?: Uint16Array;
}

type Column = Float64Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * The file's bytes but the trailer, in parts (cache-file.ts has the layout): the header, then
 * the columns, as they lie in memory when no order is given, else gathered a part at a time;
 * the epochs and the keys' lengths are made a part at a time as they are written.
 */
export function* cacheFileParts(data: CacheData, selection: Selection = {}): Generator<Uint8Array> {
  assertLittleEndian();
  const { columns } = data;
  const { order, epochOf, namesOf } = selection;
  const { keys } = columns;
  const n = order?.length ?? columns.count;
  const entry = order === undefined ? (k: number) => k : (k: number) => order[k]!;
  let keyBytes = 0;
  let longest = 0;
  for (let k = 0; k < n; k++) {
    const length = keys.byteLength(entry(k));
    keyBytes += length;
    if (length > longest) longest = length;
  }
  // A byte a key's length, unless a key is longer than 255 bytes (a million entries: 1 MB);
  // the same for the epochs and name sets, as renumbered.
  const lengthBytes = longest <= 0xff ? 1 : 2;
  const epochBytes = (epochOf?.length ?? data.meta.epochs.length) <= 0x100 ? 1 : 2;
  const nameBytes = (data.meta.nameSets?.length ?? 0) < 0x100 ? 1 : 2;
  // The header is padded (JSON takes trailing spaces) so that the columns start at a multiple
  // of 8: decodeCache then reads them in place, without a copy (see `take` there).
  const json = JSON.stringify(data.meta);
  const unpadded = HEADER_BYTES + Buffer.byteLength(json, "utf8") + COUNTS_BYTES;
  const meta = Buffer.from(json + " ".repeat((8 - (unpadded % 8)) % 8), "utf8");
  const lines = (data.fileLines ?? []).map((fileLines) => encodeLines(fileLines));
  const lineBytes = lines.reduce((sum, part) => sum + part.length, 0);
  const header = Buffer.allocUnsafe(HEADER_BYTES + meta.length + COUNTS_BYTES);
  let at = header.write(MAGIC, 0, "latin1");
  at = header.writeUInt32LE(FORMAT_VERSION, at);
  at = header.writeUInt32LE(meta.length, at);
  at += meta.copy(header, at);
  at = header.writeUInt32LE(n, at);
  at = header.writeUInt32LE(keyBytes, at);
  at = header.writeUInt32LE(lineBytes, at);
  header.writeUInt32LE(lengthBytes | (epochBytes << 8) | (nameBytes << 16), at);
  yield header;
  /** A column as it lies, or its entries in order a part at a time, `width` values each. */
  function* column<T extends Column>(values: T, width: number, make: (n: number) => T) {
    if (order === undefined) {
      yield bytesOf(values, n * width);
      return;
    }
    for (let from = 0; from < n; from += PER_PART) {
      const part = make(Math.min(PER_PART, n - from) * width);
      for (let k = 0; k < part.length / width; k++) {
        const i = order[from + k]! * width;
        for (let w = 0; w < width; w++) part[k * width + w] = values[i + w]!;
      }
      yield bytesOf(part, part.length);
    }
  }
  yield* column(columns.rowHash, 1, (size) => new Float64Array(size));
  yield* column(columns.lineHash, 1, (size) => new Float64Array(size));
  yield* column(columns.runId, 16, (size) => new Uint8Array(size));
  yield* column(columns.seconds, 1, (size) => new Uint32Array(size));
  yield* column(columns.nanos, 1, (size) => new Uint32Array(size));
  const typeOf = (width: number) => (width === 1 ? Uint8Array : Uint16Array);
  yield* parts(n, typeOf(epochBytes), (part, from) => {
    for (let k = 0; k < part.length; k++) {
      const e = columns.epoch[entry(from + k)]!;
      part[k] = epochOf === undefined ? e : epochOf[e]!;
    }
  });
  yield* parts(n, typeOf(nameBytes), (part, from) => {
    for (let k = 0; k < part.length; k++) {
      const s = columns.names[entry(from + k)]!;
      part[k] = namesOf === undefined ? s : namesOf[s]!;
    }
  });
  yield* parts(n, lengthBytes === 1 ? Uint8Array : Uint16Array, (part, from) => {
    for (let k = 0; k < part.length; k++) part[k] = keys.byteLength(entry(from + k));
  });
  // NOTE: the first n keys: others may have been added to the table since (SyncCache.empty).
  if (order === undefined) yield keys.allBytes.subarray(0, keyBytes);
  else {
    for (let from = 0; from < n; from += PER_PART) {
      const to = Math.min(n, from + PER_PART);
      let size = 0;
      for (let k = from; k < to; k++) size += keys.byteLength(order[k]!);
      const part = Buffer.allocUnsafe(size);
      for (let k = from, put = 0; k < to; k++) put += keys.copyKey(order[k]!, part, put);
      yield part;
    }
  }
  yield* lines;
}

/** `n` values, made a part at a time by `fill` (the part, and its first value's index). */
function* parts(
  n: number,
  Type: Uint8ArrayConstructor | Uint16ArrayConstructor,
  fill: (part: Uint8Array | Uint16Array, from: number) => void,
) {
  for (let from = 0; from < n; from += PER_PART) {
    const part = new Type(Math.min(PER_PART, n - from));
    fill(part, from);
    yield bytesOf(part, part.length);
  }
}

/** The whole file in one buffer, trailer included (what writeCacheFile writes). */
export function encodeCache(data: CacheData, selection?: Selection): Buffer {
  const body = Buffer.concat([...cacheFileParts(data, selection)]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

/** `parts` and their SHA-256 to a temporary file, fsync, rename: the file is replaced whole or not at all. */
export function writeCacheFile(path: string, parts: Iterable<Uint8Array>): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(temp, "wx");
  try {
    const sum = createHash("sha256");
    const write = (bytes: Uint8Array) => {
      let at = 0;
      while (at < bytes.length) at += writeSync(fd, bytes, at);
    };
    for (const part of parts) {
      sum.update(part);
      write(part);
    }
    write(sum.digest());
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
