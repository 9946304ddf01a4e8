import type { LineMatcher } from "../manifest/index.js";
import type { KeyTable } from "./key-table.js";

/** How many rows past the next one a line is looked for before the index is asked. */
const WINDOW = 4;

/**
 * The line hashes of the cache's entries that a line may stand for (those of its file
 * records), with an index of them made the first time a line is looked up out of order
 * (8 bytes a slot, two slots an entry; once per sync, shared by every file read).
 */
export class LineIndex {
  private index: Int32Array | undefined;

  constructor(
    /** Per cache entry, its line's hash (CacheColumns.lineHash). */
    readonly hashes: Float64Array,
    readonly keys: KeyTable,
    /** 1 for an entry a line may stand for: in a file record, not withdrawn (file-skips.ts). */
    readonly allowed: Uint8Array,
  ) {}

  /** The entry of a file record whose line has this hash, or -1. */
  find(hash: number): number {
    const index = (this.index ??= this.make());
    const mask = index.length - 1;
    // NOTE: `>>> 0` keeps the hash's low 32 bits (it is an integer below 2^53).
    for (let s = (hash >>> 0) & mask; ; s = (s + 1) & mask) {
      const e = index[s]! - 1;
      if (e < 0) return -1;
      if (this.hashes[e] === hash) return e;
    }
  }

  private make(): Int32Array {
    const { hashes, allowed } = this;
    let size = 32;
    while (size < allowed.length * 2 + 2) size *= 2;
    const index = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < allowed.length; e++) {
      const hash = hashes[e]!;
      if (hash === 0 || !allowed[e]) continue; // no line known, or in no record
      let s = (hash >>> 0) & mask;
      while (index[s] !== 0) s = (s + 1) & mask;
      index[s] = e + 1;
    }
    return index;
  }
}

/**
 * One reading of a file matched line by line with the cache's rows: a line is expected to be
 * the row after the last one matched (in the file's order, as a record keeps them), a few
 * rows ahead for a row edited, added or removed, else anywhere in the index (a file's first
 * line, rows moved, a file renamed). A line whose entry `allowed` refuses (Sift changed its
 * run, its record's names resolve otherwise) is parsed.
 */
export class LineCursor implements LineMatcher {
  private next = -1;
  /** Lines matched. */
  matched = 0;

  constructor(
    private readonly lines: LineIndex,
    private readonly allowed: Uint8Array,
  ) {}

  match(hash: number): number {
    const { hashes } = this.lines;
    if (this.next >= 0) {
      const stop = Math.min(hashes.length, this.allowed.length, this.next + WINDOW);
      for (let e = this.next; e < stop; e++) if (hashes[e] === hash) return this.take(e);
    }
    const e = this.lines.find(hash);
    return e < 0 ? -1 : this.take(e);
  }

  keyAt(entry: number): string {
    return this.lines.keys.keyAt(entry);
  }

  private take(e: number): number {
    this.next = e + 1;
    if (!this.allowed[e]) return -1;
    this.matched++;
    return e;
  }
}
