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
  const cwd = options.cwd ?? process.cwd();
  const files = await expandPaths(paths, {
    cwd,
    exclude: options.exclude,
    stdoutFile: options.stdoutFile,
  });
  yield* rowsOf(readAllItems(files, cwd, options));
}

/** The row an invalid run stands for in the stream. */
export function invalidRowOf(item: Extract<ManifestItem, { kind: "invalid-run" }>): InvalidRow {
  const spec: RunSpec = { clientKey: item.clientKey ?? "", source: item.source };
  return { invalid: true, spec, problems: item.problems };
}

/** The rows of validated batches (manifests, or the sources of a sync config). */
export async function* rowsOf(batches: AsyncIterable<ItemBatch>): AsyncGenerator<ManifestRow> {
  for await (const { items } of batches) {
    for (const item of items) {
      if (item.kind === "run") yield item.spec;
      else if (item.kind === "problem") throw new ManifestError([item.problem]);
      else if (item.kind === "warning")
        continue; // reported by validateManifests
      else yield invalidRowOf(item);
    }
  }
}
