import type { LineMatcher } from "../manifest/index.js";
import type { KeyTable } from "./key-table.js";

/** How many rows past the next one a line is looked for before the index is asked. */
const WINDOW = 4;

/**
 * The line hashes of the cache's entries that a line may stand for (those with a line's hash
 * and their names), with an index of them made the first time a line is looked up out of order
 * (8 bytes a slot, two slots an entry; once per sync, shared by every file read).
 */
export class LineIndex {
  private index: Int32Array | undefined;

  constructor(
    /** Per cache entry, its line's hash (CacheColumns.lineHash). */
    readonly hashes: Float64Array,
    readonly keys: KeyTable,
    /** 1 for an entry a line may stand for: its line's hash and names known (file-skips.ts). */
    readonly matchable: Uint8Array,
    /** Where each file record's rows start: a file's first line is looked for there first. */
    readonly starts: readonly number[] = [],
  ) {}

  /** The entry a line of this hash may stand for, or -1. */
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
    const { hashes, matchable } = this;
    let size = 32;
    while (size < matchable.length * 2 + 2) size *= 2;
    const index = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < matchable.length; e++) {
      const hash = hashes[e]!;
      if (hash === 0 || !matchable[e]) continue; // no line known, or no names
      let s = (hash >>> 0) & mask;
      while (index[s] !== 0) s = (s + 1) & mask;
      index[s] = e + 1;
    }
    return index;
  }
}

/** Lines in a row found nowhere near the last match before the index is asked for each. */
const MISSES_BEFORE_INDEX = 8;

/**
 * One reading of a file matched line by line with the cache's rows: a line is expected to be
 * the row after the last one matched (in the file's order, as a record keeps them) or a few
 * rows ahead (a row removed); a line that is none of those is parsed (a row edited or added).
 * Only after several such lines in a row (rows moved, another file's rows, none matched yet)
 * is each looked up in the index. A line whose entry `allowed` refuses (Sift changed its run,
 * its record's names resolve otherwise) is parsed.
 */
export class LineCursor implements LineMatcher {
  private misses: number;
  /** Lines matched. */
  matched = 0;

  constructor(
    private readonly lines: LineIndex,
    private readonly allowed: Uint8Array,
    /** Where the file's rows were (the record of the same path), else -1: a record's head or the index. */
    private next = -1,
  ) {
    // With no place to start from: two lines found at no record's head are parsed (an edited
    // first row) before the index is made; with no record at all, the index answers at once.
    if (next >= 0) this.misses = 0;
    else this.misses = lines.starts.length > 0 ? MISSES_BEFORE_INDEX - 2 : MISSES_BEFORE_INDEX;
  }

  match(hash: number): number {
    // A few rows on from the last match (in order again); with nothing matched yet, at the
    // head of a record (a renamed export), before the index.
    let near = this.next < 0 ? -1 : this.scan(this.next, hash);
    for (let r = 0; this.next < 0 && near < 0 && r < this.lines.starts.length; r++)
      near = this.scan(this.lines.starts[r]!, hash);
    if (near >= 0) {
      this.misses = 0;
      return this.take(near);
    }
    if (this.misses < MISSES_BEFORE_INDEX) {
      this.misses++;
      return -1;
    }
    // Out of order: the index for every line until one is in order again.
    const e = this.lines.find(hash);
    return e < 0 ? -1 : this.take(e);
  }

  keyAt(entry: number): string {
    return this.lines.keys.keyAt(entry);
  }

  /** The entry of this hash among the WINDOW rows from `from`, or -1. */
  private scan(from: number, hash: number): number {
    const { hashes } = this.lines;
    const stop = Math.min(hashes.length, this.allowed.length, from + WINDOW);
    for (let e = from; e < stop; e++) if (hashes[e] === hash) return e;
    return -1;
  }

  private take(e: number): number {
    this.next = e + 1;
    if (!this.allowed[e]) return -1;
    this.matched++;
    return e;
  }
}
