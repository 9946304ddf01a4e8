import { isInvalidRow, type ManifestRow, replayedSpec } from "../manifest/index.js";
import { compact } from "./held-rows.js";

/** At most this many rows the cache does not know in sync are held whole (~7 MB of bench rows). */
const MAX_HELD = 10_000;

/**
 * One pass over manifests too large to hold (HeldRows), kept so that the plan after it does not
 * read and parse them again: on a nightly sync, the rows the sync cache knows in sync (nearly
 * all) as their cache entry and line, 8 bytes a row, and the others (new, changed in the
 * manifests or in Sift) held whole. The plan then meets each known row as a stub run of its
 * entry (replayedSpec), as it meets a skipped file's, with the same clientKey and source.
 * Past MAX_HELD rows to hold, the replay is given up and the plan reads the files as before.
 */
export class RowReplay {
  /** Per row: its cache entry, or -(index in `held` + 1). */
  private entries: Int32Array;
  private lines: Int32Array;
  /** The files, each with the index of its first row. */
  private readonly files: { start: number; file: string }[] = [];
  private readonly held: ManifestRow[] = [];
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

  /** Whether the rows are still kept (not given up). */
  get kept(): boolean {
    return !this.given;
  }

  /** The next row of the pass (read from its file): the cache entry that knows it in sync, or -1. */
  add(row: ManifestRow, entry: number): void {
    if (this.given) return;
    if (entry < 0 && this.held.length >= this.maxHeld) return this.giveUp();
    if (this.count === this.entries.length) this.grow();
    const { file, line } = (isInvalidRow(row) ? row.spec : row).source;
    if (this.files.at(-1)?.file !== file) this.files.push({ start: this.count, file });
    this.lines[this.count] = line;
    if (entry >= 0) this.entries[this.count] = entry;
    else {
      this.held.push(compact(row));
      this.entries[this.count] = -this.held.length;
    }
    this.count++;
  }

  /** Every row, in the pass's order. */
  *rows(): Generator<ManifestRow> {
    const { entries, lines, files, held } = this;
    for (let f = 0; f < files.length; f++) {
      const { start, file } = files[f]!;
      const end = files[f + 1]?.start ?? this.count;
      for (let i = start; i < end; i++) {
        const entry = entries[i]!;
        yield entry >= 0
          ? replayedSpec(this.keyAt(entry), { file, line: lines[i]! }, entry)
          : held[-entry - 1]!;
      }
    }
  }

  /** The rows the cache does not know in sync, in order. */
  unknown(): readonly ManifestRow[] {
    return this.held;
  }

  private giveUp(): void {
    this.given = true;
    this.entries = new Int32Array(0);
    this.lines = new Int32Array(0);
    this.files.length = 0;
    this.held.length = 0;
  }

  private grow(): void {
    const size = this.entries.length * 2;
    const entries = new Int32Array(size);
    entries.set(this.entries);
    const lines = new Int32Array(size);
    lines.set(this.lines);
    this.entries = entries;
    this.lines = lines;
  }
}
