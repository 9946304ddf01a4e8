import { ManifestError } from "../core/errors.js";
import { type ExpandOptions, expandPaths } from "./expand-paths.js";
import { type ItemBatch, readAllItems } from "./read-items.js";
import type { ReadOptions } from "./read-manifest.js";
import type { RunSpec } from "./spec.js";

/**
 * Pass 2: yields each run spec in file order, streaming. Callers validate first
 * (validateManifests); meeting a problem here throws a ManifestError naming it.
 *
 * @example
 * for await (const spec of readRunSpecs(["runs.csv"])) console.log(spec.clientKey);
 */
export async function* readRunSpecs(
  paths: string[],
  options: ExpandOptions & ReadOptions = {},
): AsyncGenerator<RunSpec> {
  const cwd = options.cwd ?? process.cwd();
  const files = await expandPaths(paths, {
    cwd,
    exclude: options.exclude,
    stdoutFile: options.stdoutFile,
  });
  yield* specsOf(readAllItems(files, cwd, options));
}

/** The runs of already validated batches; a problem met here throws a ManifestError naming it. */
export async function* specsOf(batches: AsyncIterable<ItemBatch>): AsyncGenerator<RunSpec> {
  for await (const { items } of batches) {
    for (const item of items) {
      if (item.kind === "run") yield item.spec;
      else if (item.kind === "warning")
        continue; // reported by validateManifests
      else if (item.kind === "problem") throw new ManifestError([item.problem]);
      else if (item.problems.length > 0) throw new ManifestError(item.problems);
      else {
        const { file, line } = item.source;
        throw new ManifestError([
          { file, line, message: "is not valid (see the problems above it)" },
        ]);
      }
    }
  }
}
