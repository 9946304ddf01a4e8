import type { LineMatcher } from "../manifest/index.js";
import type { KeyTable } from "./key-table.js";

/** How many rows past the next one a line is looked for before the record's index is asked. */
const WINDOW = 4;

/**
 * The rows of one file record (file-records.ts) matched line by line, in the file's order: a
 * line is expected to be the next row's (an edited, added or removed row costs a look a few
 * rows ahead), and one found nowhere near is looked up in an index of all the record's line
 * hashes, made the first time one is needed (8 bytes a row, while the file is read).
 */
export class RecordLines implements LineMatcher {
  private next: number;
  private index: Int32Array | undefined;
  /** Lines matched (declined ones not counted). */
  matched = 0;

  constructor(
    /** Per cache entry, its line's hash (CacheColumns.lineHash). */
    private readonly hashes: Float64Array,
    private readonly start: number,
    private readonly end: number,
    private readonly keys: KeyTable,
    /** 1 for an entry whose line must be parsed after all (Sift changed its run). */
    private readonly declined?: Uint8Array,
  ) {
    this.next = start;
  }

  match(hash: number): number {
    const { hashes } = this;
    const stop = Math.min(this.end, this.next + WINDOW);
    for (let e = this.next; e < stop; e++) if (hashes[e] === hash) return this.take(e);
    const e = this.find(hash);
    return e < 0 ? -1 : this.take(e);
  }

  keyAt(entry: number): string {
    return this.keys.keyAt(entry);
  }

  private take(e: number): number {
    this.next = e + 1;
    if (this.declined?.[e]) return -1;
    this.matched++;
    return e;
  }

  private find(hash: number): number {
    const index = (this.index ??= this.makeIndex());
    const mask = index.length - 1;
    // NOTE: `>>> 0` keeps the hash's low 32 bits (it is an integer below 2^53).
    for (let s = (hash >>> 0) & mask; ; s = (s + 1) & mask) {
      const k = index[s]! - 1;
      if (k < 0) return -1;
      if (this.hashes[this.start + k] === hash) return this.start + k;
    }
  }

  private makeIndex(): Int32Array {
    const n = this.end - this.start;
    let size = 32;
    while (size < n * 2 + 2) size *= 2;
    const index = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < n; k++) {
      const hash = this.hashes[this.start + k]!;
      if (hash === 0) continue; // no line known
      let s = (hash >>> 0) & mask;
      while (index[s] !== 0) s = (s + 1) & mask;
      index[s] = k + 1;
    }
    return index;
  }
}
