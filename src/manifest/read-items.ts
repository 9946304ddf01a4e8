import { resolve } from "node:path";
import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import type { Problem } from "../core/errors.js";
import { holdsSecret, knownSecretCount } from "../core/secrets.js";
import { ClientKeyRegistry } from "./client-keys.js";
import type { ManifestItem } from "./manifest-item.js";
import { cacheEntryOf, stubItems } from "./file-skips.js";
import { normalizeItems } from "./normalize-spec.js";
import { type ReadOptions, readManifest } from "./read-manifest.js";
import type { RunSpec } from "./spec.js";

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
  yield* markDuplicates(readEachFile(files, cwd, options), options.unicode, options.keys);
}

/** A batch of items and the file it came from. */
export interface ItemBatch {
  file: string;
  items: ManifestItem[];
  /** The runs standing for a skipped file's rows (FileSkips): normalized and checked already. */
  stubs?: true;
}

/** The batches of a skipped file: the chunks of runs the sync cache stands in for it with. */
export function* stubBatches(file: string, chunks: Iterable<RunSpec[]>): Generator<ItemBatch> {
  for (const specs of chunks) yield { file, items: stubItems(specs), stubs: true };
}

async function* readEachFile(
  files: string[],
  cwd: string,
  options: ReadOptions,
): AsyncGenerator<ItemBatch> {
  const readKey = options.skips && manifestReadKey(options);
  for (const file of files) {
    // Standard input and pipes are read once into a temporary copy: never skipped.
    const own = file === "-" || options.pipes?.has(file);
    const skipped = own ? undefined : await options.skips?.skip(file, resolve(cwd, file), readKey!);
    if (skipped !== undefined) {
      yield* stubBatches(file, skipped);
      continue;
    }
    const lines = own ? undefined : options.skips?.lines?.(file, resolve(cwd, file), readKey!);
    for await (const items of readManifest(file, cwd, options, lines)) yield { file, items };
  }
}

/** What, besides a manifest's bytes, decides what is read from it. */
function manifestReadKey(options: ReadOptions): string {
  const { csv, encoding, unicode } = options;
  return JSON.stringify({ csv: csv ?? null, encoding: encoding ?? null, unicode: unicode ?? null });
}

/**
 * Turns runs whose clientKey an earlier item (of any batch) already has into problems at the
 * later place, naming the earlier one, and runs holding the API key anywhere (secretProblems)
 * into invalid runs. For every reader of runs: manifests and mapped sources.
 * First, with `unicode: nfc` (the default), their text is normalized (normalize-spec.ts).
 */
export async function* markDuplicates(
  batches: AsyncIterable<ItemBatch>,
  unicode: UnicodeMode = DEFAULT_UNICODE,
  keys = new ClientKeyRegistry(),
): AsyncGenerator<ItemBatch> {
  for await (const batch of batches) {
    // NOTE: a skipped file's runs were normalized and checked for the API key when the file was
    // last read (and its bytes are checked for it before it is skipped: cache/file-skips.ts).
    // In a pass after the validating one that met no duplicate, each is at its recorded place.
    if (batch.stubs && keys.rereadsWithoutDuplicates) {
      yield batch;
      continue;
    }
    const { file } = batch;
    const items = batch.stubs ? batch.items : normalizeItems(batch.items, unicode);
    // Known once a client or the CLI has its key, before anything is read.
    const secrets = !batch.stubs && knownSecretCount() > 0;
    for (let i = 0; i < items.length; i++) {
      let item = items[i]!;
      // A stub (a line the cache knows) was checked when its line was last read, as above.
      if (secrets && item.kind === "run" && cacheEntryOf(item.spec) === undefined) {
        const secret = secretProblems(item.spec);
        if (secret.length > 0) {
          const { clientKey, source } = item.spec;
          item = items[i] = { kind: "invalid-run", clientKey, source, problems: secret };
        }
      }
      if (item.kind === "run") {
        const duplicate = keys.add(item.spec.clientKey, item.spec.source, item.keyText);
        if (duplicate === undefined) continue;
        const { source } = item.spec;
        items[i] = {
          kind: "invalid-run",
          clientKey: item.spec.clientKey,
          ...(item.keyText !== undefined && { keyText: item.keyText }),
          source,
          problems: [
            { file: source.file, line: source.line, field: "clientKey", message: duplicate },
          ],
        };
      } else if (item.kind === "invalid-run" && item.clientKey !== undefined) {
        const duplicate = keys.add(item.clientKey, item.source, item.keyText);
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

/**
 * A problem for each field of a run that holds a known API key (secrets.ts): such a run is
 * invalid. NOTE: the safest reading of a key pasted into a manifest: sent, it would be stored
 * in Sift for everyone who can read the run; printed, it would be in CI logs. The message
 * names the field, never its value.
 */
function secretProblems(spec: RunSpec): Problem[] {
  const at = { file: spec.source.file, line: spec.source.line };
  const message =
    "holds the API key: a manifest must not hold it (it would be sent to Sift and shown in reports); remove it";
  const fields: string[] = [];
  for (const [field, value] of Object.entries(spec)) {
    if (field === "source" || value === undefined) continue;
    if (field === "metadata") {
      for (const [key, entry] of Object.entries(value as NonNullable<RunSpec["metadata"]>)) {
        const texts = [key, String(entry.value), entry.text ?? ""];
        if (texts.some(holdsSecret)) fields.push(`metadata.${key}`);
      }
    } else if (
      Array.isArray(value) ? value.some((v) => holdsSecret(String(v))) : holdsSecret(String(value))
    ) {
      fields.push(field);
    }
  }
  return fields.map((field) => ({ ...at, field, message }));
}
