import {
  type FileSkips,
  isInvalidRow,
  type ManifestRow,
  replayedSpec,
  type RunSpec,
} from "../manifest/index.js";
import { resized } from "../core/key-hash.js";
import { compact } from "./held-rows.js";

/** At most this many rows the cache does not know in sync are held whole (~7 MB of bench rows). */
const MAX_HELD = 10_000;
/**
 * Rows per chunk a replayed file is given back in, as a reader's chunk of a file. NOTE: a chunk
 * must go through the passes before V8's young generation fills, or its rows are promoted to die
 * old: 4,096 were 130 MB of old garbage on a night of a million rows (docs/performance.md).
 */
const CHUNK_ROWS = 256;

/**
 * One pass over manifest files too large to hold (HeldRows), kept so that the plan after it
 * does not read and parse them again: on a nightly sync, the rows the sync cache knows in sync
 * (nearly all) as their cache entry and line, 8 bytes a row, and the others (new, changed in
 * the manifests or in Sift) held whole. The plan's readers then take each such file from here
 * as they take a skipped file from the cache (`over`): a known row is a stub run of its entry
 * (replayedSpec), with the same clientKey and source. Past MAX_HELD rows to hold (or an invalid
 * row, or a file met twice), the replay is given up and the plan reads the files as before.
 */
export class RowReplay {
  /** Per row: its cache entry, or -(index in `held` + 1). */
  private entries: Int32Array;
  private lines: Int32Array;
  /** The files, by name, with their first row and the row after their last. */
  private readonly files = new Map<string, { start: number; end: number }>();
  private last: { start: number; end: number } | undefined;
  private lastFile: string | undefined;
  private readonly held: RunSpec[] = [];
  private count = 0;
  private given = false;

  constructor(
    /** The clientKey of a cache entry. */
    private readonly keyAt: (entry: number) => string,
    /** How many rows the pass will meet (the arrays start at that size). */
    rows: number,
    private readonly maxHeld = MAX_HELD,
  ) {
    this.entries = new Int32Array(Math.max(rows, 16));
    this.lines = new Int32Array(Math.max(rows, 16));
  }

  /** How many rows the pass kept. */
  get size(): number {
    return this.count;
  }

  /** Whether the rows are still kept (not given up). */
  get kept(): boolean {
    return !this.given;
  }

  /** The next row of the pass (read from its file): the cache entry that knows it in sync, or -1. */
  add(row: ManifestRow, entry: number): void {
    if (this.given) return;
    if (isInvalidRow(row) || (entry < 0 && this.held.length >= this.maxHeld)) return this.giveUp();
    const { file, line } = row.source;
    if (file !== this.lastFile) {
      if (this.files.has(file)) return this.giveUp();
      this.files.set(file, (this.last = { start: this.count, end: this.count }));
      this.lastFile = file;
    }
    if (this.count === this.entries.length) this.grow();
    this.lines[this.count] = line;
    if (entry >= 0) this.entries[this.count] = entry;
    else {
      this.held.push(compact(row) as RunSpec);
      this.entries[this.count] = -this.held.length;
    }
    this.last!.end = ++this.count;
  }

  /** The rows of `file`, in chunks, when the pass kept them. */
  *chunksOf(file: string): Generator<RunSpec[]> {
    const range = this.files.get(file);
    if (range === undefined) return;
    const { entries, lines, held } = this;
    for (let start = range.start; start < range.end; start += CHUNK_ROWS) {
      const end = Math.min(start + CHUNK_ROWS, range.end);
      const chunk = new Array<RunSpec>(end - start);
      for (let i = start; i < end; i++) {
        const entry = entries[i]!;
        chunk[i - start] =
          entry >= 0
            ? replayedSpec(this.keyAt(entry), { file, line: lines[i]! }, entry)
            : held[-entry - 1]!;
      }
      yield chunk;
    }
  }

  /**
   * The skips of a pass after this one: a file this pass kept is taken from here, any other as
   * `skips` (the sync cache's skipped files) answers, or read.
   */
  over(skips: FileSkips | undefined): FileSkips {
    return {
      skip: async (file, path, readKey) =>
        this.files.has(file) ? this.chunksOf(file) : skips?.skip(file, path, readKey),
      lines: (file, path, readKey) => skips?.lines?.(file, path, readKey),
    };
  }

  /** The rows the cache does not know in sync, in order. */
  unknown(): readonly RunSpec[] {
    return this.held;
  }

  private giveUp(): void {
    this.given = true;
    this.entries = new Int32Array(0);
    this.lines = new Int32Array(0);
    this.files.clear();
    this.held.length = 0;
  }

  private grow(): void {
    this.entries = resized(this.entries, this.entries.length * 2);
    this.lines = resized(this.lines, this.lines.length * 2);
  }
}
