import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import { ClientKeyRegistry } from "./client-keys.js";
import type { ManifestItem } from "./manifest-item.js";
import { normalizeItems } from "./normalize-spec.js";
import { type ReadOptions, readManifest } from "./read-manifest.js";

/**
 * Every item of every file, in order, with duplicate clientKeys across all of them turned
 * into problems at the later place (naming the earlier one). Yields one batch per chunk
 * and the file it came from.
 */
export async function* readAllItems(
  files: string[],
  cwd: string,
  options: ReadOptions = {},
): AsyncGenerator<ItemBatch> {
  yield* markDuplicates(readEachFile(files, cwd, options), options.unicode);
}

/** A batch of items and the file it came from. */
export interface ItemBatch {
  file: string;
  items: ManifestItem[];
}

async function* readEachFile(
  files: string[],
  cwd: string,
  options: ReadOptions,
): AsyncGenerator<ItemBatch> {
  for (const file of files) {
    for await (const items of readManifest(file, cwd, options)) yield { file, items };
  }
}

/**
 * Turns runs whose clientKey an earlier item (of any batch) already has into problems at the
 * later place, naming the earlier one. For every reader of runs: manifests and mapped sources.
 * First, with `unicode: nfc` (the default), their text is normalized (normalize-spec.ts).
 */
export async function* markDuplicates(
  batches: AsyncIterable<ItemBatch>,
  unicode: UnicodeMode = DEFAULT_UNICODE,
): AsyncGenerator<ItemBatch> {
  const keys = new ClientKeyRegistry();
  for await (const batch of batches) {
    const { file } = batch;
    const items = normalizeItems(batch.items, unicode);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.kind === "run") {
        const duplicate = keys.add(item.spec.clientKey, item.spec.source);
        if (duplicate === undefined) continue;
        const { source } = item.spec;
        items[i] = {
          kind: "invalid-run",
          clientKey: item.spec.clientKey,
          source,
          problems: [
            { file: source.file, line: source.line, field: "clientKey", message: duplicate },
          ],
        };
      } else if (item.kind === "invalid-run" && item.clientKey !== undefined) {
        const duplicate = keys.add(item.clientKey, item.source);
        if (duplicate === undefined) continue;
        const { source } = item;
        item.problems.push({
          file: source.file,
          line: source.line,
          field: "clientKey",
          message: duplicate,
        });
      }
    }
    yield { file, items };
  }
}
