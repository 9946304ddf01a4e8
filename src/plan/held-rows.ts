import { getHeapStatistics } from "node:v8";
import { flatCopy } from "../core/flat-copy.js";
import {
  cacheEntryOf,
  copyStub,
  isInvalidRow,
  type ManifestRow,
  type MetadataSpec,
  type RunSpec,
} from "../manifest/index.js";

/** Manifests of at most this many rows in scope are held after the validating pass. */
const MAX_HELD_ROWS = 100_000;
/**
 * And only while they take at most this (estimated) much of the heap: 160 MB, enough for
 * 100,000 rows of ~10 fields and a few metadata entries (the bench's: 123 MB estimated, 88 MB
 * measured), or 1/8 of a smaller heap (14 MB in a 64 MB one: ~11,000 such rows).
 */
const MAX_HELD_BYTES = Math.min(160 * 1024 * 1024, getHeapStatistics().heap_size_limit / 8);
/**
 * What a held row costs in the heap, as measured (node --expose-gc, heapUsed after gc, rows
 * held vs dropped, Node 20): a bench row (bench/runs.mjs: 5 scalar fields, 2 assets, 1-2 tags,
 * 3 metadata entries) retains 1,116 bytes (666 compacted, see `compact`); a
 * row of a clientKey and a name 159 bytes; each metadata entry adds 69-133 bytes (10 to 100 of
 * them: an object, a value, a property of the metadata object). The estimate errs high (bench row: 1,232 bytes): it only decides between
 * holding and reading the files again.
 */
const ROW_BYTES = 600;
const LIST_ENTRY_BYTES = 64;
const METADATA_ENTRY_BYTES = 136;

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
    this.bytes += estimateBytes(row);
    if (this.rows.length >= this.maxRows || this.bytes > this.maxBytes) this.rows = undefined;
    else this.rows.push(compact(row));
  }

  /** Every row added, in order, or undefined once the bounds were passed. */
  get all(): readonly ManifestRow[] | undefined {
    return this.rows;
  }
}

/**
 * The row, its strings copied out of the text they were read from, its lists copied to their
 * size, and its source and metadata objects made anew here.
 * - A cell cut from a line is a view that keeps the whole 64 KiB chunk of the file alive (see
 *   flatCopy): a held bench row kept ~170 bytes of its line and 32 per view. Copied flat, with
 *   the short strings shared (an asset, a tag, `campaign-3`), a held bench row takes 666 bytes,
 *   not 885.
 * - A list the reader grew by push keeps 17 slots, ~130 bytes more than the 2 or 3 items it
 *   holds (1,116 -> 885 bytes). Copying every row as it is read, not only the held ones, cost
 *   validate ~5 % of CPU.
 * - NOTE the reader's objects must die young: V8 counts, per place in the code that makes an
 *   object literal, how many of its objects outlive a young collection, and once most do, makes
 *   that place's objects in the old generation from then on ("pretenuring"). Holding the
 *   reader's own objects of 100,000 rows did that to the reader, and the passes over a larger
 *   manifest that followed (the held rows let go) made every row's objects old garbage: a pass
 *   over 1,000,000 rows peaked at 68 MB of heap used instead of 31.
 */
export function compact(row: ManifestRow): ManifestRow {
  const spec = isInvalidRow(row) ? row.spec : row;
  // A skipped file's run (its clientKey made from the cache's bytes) has no text to copy, but
  // is the reader's object: held, the reader's stubs of a million rows were made old.
  if (cacheEntryOf(spec) !== undefined) return isInvalidRow(row) ? row : copyStub(spec);
  const texts: string[] = [];
  eachText(spec, (text) => {
    texts.push(text);
    return text;
  });
  const copies = flatCopy(texts);
  let i = 0;
  eachText(spec, () => copies[i++]!);
  spec.source = { ...spec.source };
  if (spec.metadata !== undefined) {
    const metadata: Record<string, MetadataSpec> = {};
    for (const key in spec.metadata) metadata[key] = { ...spec.metadata[key]! };
    spec.metadata = metadata;
  }
  return row;
}

/** Replaces each string of the spec (fields, list items, metadata values) with `swap`'s. */
function eachText(spec: RunSpec, swap: (text: string) => string): void {
  const fields = spec as unknown as Record<string, unknown>;
  for (const field in fields) {
    const value = fields[field];
    if (typeof value === "string") fields[field] = swap(value);
    else if (Array.isArray(value))
      fields[field] = value.map((item: unknown) => (typeof item === "string" ? swap(item) : item));
  }
  if (spec.metadata === undefined) return;
  for (const key in spec.metadata) {
    const entry = spec.metadata[key]!;
    if (typeof entry.value === "string") entry.value = swap(entry.value);
    if (entry.text !== undefined) entry.text = swap(entry.text);
  }
}

function estimateBytes(row: ManifestRow): number {
  const spec = isInvalidRow(row) ? row.spec : row;
  const lists = (spec.assets?.length ?? 0) + (spec.tags?.length ?? 0);
  const metadata = spec.metadata === undefined ? 0 : Object.keys(spec.metadata).length;
  return ROW_BYTES + LIST_ENTRY_BYTES * lists + METADATA_ENTRY_BYTES * metadata;
}
