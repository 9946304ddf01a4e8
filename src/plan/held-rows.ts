import { getHeapStatistics } from "node:v8";
import type { ManifestRow } from "../manifest/index.js";
import { cellsOf } from "./plan-changes.js";

/** Manifests of at most this many rows in scope are held after the validating pass. */
const MAX_HELD_ROWS = 100_000;
/** And only while they take at most this (estimated) much of the heap: 64 MB, or 1/8 of a smaller heap. */
const MAX_HELD_BYTES = Math.min(64 * 1024 * 1024, getHeapStatistics().heap_size_limit / 8);
/**
 * What a held row costs in the heap, roughly: the spec, its source and strings (~400 bytes), and
 * ~64 bytes per cell (field, list entry, metadata entry). An estimate that errs high: it only
 * decides between holding and reading the files again.
 */
const ROW_BYTES = 400;
const CELL_BYTES = 64;

/**
 * The rows of a small manifest, kept from the validating pass so that the passes after it
 * (checking rows against Sift, the plan) read memory, not the files again: a cold backfill
 * reads its files once before the first write. A manifest past either bound streams from its
 * files as before (memory stays flat); what was held until then is let go.
 */
export class HeldRows {
  private rows: ManifestRow[] | undefined = [];
  private bytes = 0;

  constructor(
    private readonly maxRows = MAX_HELD_ROWS,
    private readonly maxBytes = MAX_HELD_BYTES,
  ) {}

  add(row: ManifestRow): void {
    if (this.rows === undefined) return;
    this.bytes += ROW_BYTES + CELL_BYTES * cellsOf(row);
    if (this.rows.length >= this.maxRows || this.bytes > this.maxBytes) this.rows = undefined;
    else this.rows.push(row);
  }

  /** Every row added, in order, or undefined once the bounds were passed. */
  get all(): readonly ManifestRow[] | undefined {
    return this.rows;
  }
}
