import { createHash } from "node:crypto";
import { endianness } from "node:os";
import { resized } from "../core/key-hash.js";
import type { ResolvedNames } from "./row-hash.js";

/**
 * A manifest file (or a sync config's source file) whose every row a sync left in sync: the
 * next sync may take its rows from the cache instead of parsing it, as long as its bytes, how
 * it is read and what its names resolve to are the same (file-skips.ts). Its entries lie
 * together in the cache's columns, in the file's order: `start` to `start + count`; their
 * lines are the file section's deltas (cache-file.ts).
 */
export interface FileRecord {
  /** As messages name it (the source of its rows). */
  file: string;
  /** Absolute. */
  path: string;
  /** How it is read besides its bytes (manifest/file-skips.ts). */
  readKey: string;
  size: number;
  sha256: string;
  /** What its asset names and metadata keys resolved to (namesDigest). */
  names: string;
  assets: string[];
  metadataKeys: string[];
  start: number;
  count: number;
}

/** Names a file's rows use: what is resolved against Sift before its rows are compared. */
export interface FileNames {
  assets: ReadonlySet<string> | readonly string[];
  metadataKeys: ReadonlySet<string> | readonly string[];
}

/**
 * What the names of a file resolve to, as a digest: an asset now another one, a key of
 * another type, makes the rows' diff another one (as their row hashes would show).
 */
export function namesDigest(names: FileNames, resolved: ResolvedNames): string {
  const h = createHash("sha256");
  for (const asset of [...names.assets].sort())
    h.update(`a\0${asset}\0${resolved.assetIds.get(asset) ?? "-"}\n`);
  for (const key of [...names.metadataKeys].sort())
    h.update(`k\0${key}\0${resolved.keyTypes.get(key) ?? "-"}\n`);
  return h.digest("hex").slice(0, 32);
}

/** Lines as deltas from the previous (the first from 0), LEB128: a CSV's rows cost a byte each. */
export function encodeLines(lines: ArrayLike<number>): Uint8Array {
  let size = 0;
  let last = 0;
  for (let i = 0; i < lines.length; i++) {
    for (let delta = lines[i]! - last; delta >= 0x80; delta = Math.floor(delta / 0x80)) size++;
    size++;
    last = lines[i]!;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  last = 0;
  for (let i = 0; i < lines.length; i++) {
    let delta = lines[i]! - last;
    last = lines[i]!;
    while (delta >= 0x80) {
      bytes[at++] = (delta & 0x7f) | 0x80;
      delta = Math.floor(delta / 0x80);
    }
    bytes[at++] = delta;
  }
  return bytes;
}

/** `count` lines from `bytes` at `at` (see encodeLines); throws a RangeError past the end. */
export function decodeLines(
  bytes: Uint8Array,
  at: number,
  count: number,
): { lines: Uint32Array; end: number } {
  const lines = new Uint32Array(count);
  let line = 0;
  for (let i = 0; i < count; i++) {
    let delta = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new RangeError("the lines are cut short");
      const b = bytes[at++]!;
      delta += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    line += delta;
    lines[i] = line;
  }
  return { lines, end: at };
}

/**
 * The rows of one file a sync recorded in sync: their entries and lines, in the order their
 * results came (an apply's are not in file order), sorted by line when saved.
 */
export class RecordedRows {
  private entries: Uint32Array;
  private lines: Uint32Array;
  count = 0;
  /** A row of it was not left in sync: the file is not recorded. */
  spoiled = false;

  /** `rows`: how many the file holds, when known (a million rows grown from 256 left 8 MB of copies). */
  constructor(rows = 256) {
    this.entries = new Uint32Array(Math.max(rows, 16));
    this.lines = new Uint32Array(Math.max(rows, 16));
  }

  add(entry: number, line: number): void {
    if (this.count === this.entries.length) {
      this.entries = resized(this.entries, this.count * 2);
      this.lines = resized(this.lines, this.count * 2);
    }
    this.entries[this.count] = entry;
    this.lines[this.count] = line;
    this.count++;
  }

  /**
   * Entries and lines in file order; undefined when two rows claim one line (never recorded).
   * Sorted in place: at the save of a million rows, when a sync's memory peaks, copies and a
   * sort's order were 12 MB and more of heap.
   */
  sorted(): { entries: Uint32Array; lines: Uint32Array } | undefined {
    const n = this.count;
    const entries = this.entries.subarray(0, n);
    const lines = this.lines.subarray(0, n);
    let inOrder = true;
    for (let i = 1; i < n && inOrder; i++) inOrder = lines[i - 1]! < lines[i]!;
    if (!inOrder && !mergeLate(entries, lines)) sortPairs(entries, lines);
    for (let i = 1; i < n; i++) if (lines[i] === lines[i - 1]) return undefined;
    return { entries, lines };
  }
}

/**
 * An apply's results come in file order but for the rows written, which come a little later:
 * the rows in order are moved up in place, the late ones (a few) sorted apart and merged back
 * from the end. False, with nothing moved, when more than an eighth of them are late.
 */
function mergeLate(entries: Uint32Array, lines: Uint32Array): boolean {
  const n = lines.length;
  let late = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (lines[i]! > last) last = lines[i]!;
    else if (++late > n / 8) return false;
  }
  const lateEntries = new Uint32Array(late);
  const lateLines = new Uint32Array(late);
  let k = 0;
  let m = 0;
  last = -1;
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    if (line > last) {
      last = line;
      entries[k] = entries[i]!;
      lines[k++] = line;
    } else {
      lateEntries[m] = entries[i]!;
      lateLines[m++] = line;
    }
  }
  sortPairs(lateEntries, lateLines);
  // NOTE: from the end, each slot written lies past the rows in order still to move: none is lost.
  for (let w = n - 1, a = k - 1, b = m - 1; b >= 0; w--) {
    if (a >= 0 && lines[a]! > lateLines[b]!) {
      entries[w] = entries[a]!;
      lines[w] = lines[a--]!;
    } else {
      entries[w] = lateEntries[b]!;
      lines[w] = lateLines[b--]!;
    }
  }
  return true;
}

/** Which 32-bit half of a 64-bit number comes first in memory. */
const LOW_HALF = endianness() === "LE" ? 0 : 1;

/** Sorts the pairs by line (then entry), as 64-bit numbers: line high, entry low (no heap used). */
function sortPairs(entries: Uint32Array, lines: Uint32Array): void {
  const n = lines.length;
  const pairs = new BigUint64Array(n);
  const halves = new Uint32Array(pairs.buffer);
  const low = LOW_HALF;
  const high = 1 - LOW_HALF;
  for (let i = 0; i < n; i++) {
    halves[2 * i + low] = entries[i]!;
    halves[2 * i + high] = lines[i]!;
  }
  pairs.sort();
  for (let i = 0; i < n; i++) {
    entries[i] = halves[2 * i + low]!;
    lines[i] = halves[2 * i + high]!;
  }
}
