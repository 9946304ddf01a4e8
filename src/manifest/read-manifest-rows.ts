import { ManifestError, type Problem } from "../core/errors.js";
import { type ExpandOptions, expandPaths } from "./expand-paths.js";
import { type ItemBatch, readAllItems } from "./read-items.js";
import type { ReadOptions } from "./read-manifest.js";
import type { ManifestItem } from "./manifest-item.js";
import type { RunSpec } from "./spec.js";

/**
 * A run the manifest's own rules reject (a bad value, start after stop, a duplicated
 * clientKey): kept in the stream so `--skip-invalid` reports it in its place. `spec` holds
 * only its clientKey (empty when unreadable) and source.
 */
export interface InvalidRow {
  invalid: true;
  spec: RunSpec;
  problems: Problem[];
}

export type ManifestRow = RunSpec | InvalidRow;

export function isInvalidRow(row: ManifestRow): row is InvalidRow {
  return (row as Partial<InvalidRow>).invalid === true;
}

/**
 * Like `readRunSpecs`, but an invalid run is yielded (as an InvalidRow) instead of thrown.
 * A problem that belongs to no run (a file that cannot be parsed, a bad header) still throws:
 * the rows it hides are unknown.
 */
export async function* readManifestRows(
  paths: string[],
  options: ExpandOptions & ReadOptions = {},
): AsyncGenerator<ManifestRow> {
  for await (const rows of readManifestRowBatches(paths, options)) yield* rows;
}

/** readManifestRows a batch at a time (a chunk of a file): one promise a batch, not a row. */
export async function* readManifestRowBatches(
  paths: string[],
  options: ExpandOptions & ReadOptions = {},
): AsyncGenerator<ManifestRow[]> {
  const cwd = options.cwd ?? process.cwd();
  const files = await expandPaths(paths, {
    cwd,
    exclude: options.exclude,
    stdoutFile: options.stdoutFile,
  });
  yield* rowBatchesOf(readAllItems(files, cwd, options));
}

/** The row an invalid run stands for in the stream. */
export function invalidRowOf(item: Extract<ManifestItem, { kind: "invalid-run" }>): InvalidRow {
  const spec: RunSpec = { clientKey: item.clientKey ?? "", source: item.source };
  return { invalid: true, spec, problems: item.problems };
}

/**
 * The rows of validated batches (manifests, or the sources of a sync config), a batch at a
 * time. NOTE: a million rows passed one by one through each of the async
 * generators between a file and the plan cost a promise each, at every level: ~1 µs a row.
 */
export async function* rowBatchesOf(
  batches: AsyncIterable<ItemBatch>,
): AsyncGenerator<ManifestRow[]> {
  for await (const { items } of batches) {
    const rows: ManifestRow[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.kind === "run") rows.push(item.spec);
      else if (item.kind === "problem") {
        if (rows.length > 0) yield rows;
        throw new ManifestError([item.problem]);
      } else if (item.kind === "warning")
        continue; // reported by validateManifests
      else rows.push(invalidRowOf(item));
    }
    if (rows.length > 0) yield rows;
  }
}
