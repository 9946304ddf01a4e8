import { isPlain } from "../core/plain-text.js";
import { MAYBE_NOT_NFC, toNfc, type UnicodeMode } from "../core/unicode.js";
import type { ManifestItem } from "./manifest-item.js";
import type { MetadataSpec, RunSpec } from "./spec.js";

/**
 * `--unicode nfc` (the default): the text of every run read (clientKey, name, description,
 * asset names, tags, metadata keys and string values) in NFC, whatever form the file holds
 * (macOS writes NFD). One place for every reader, manifests and mapped sources alike: it runs
 * before duplicate clientKeys are found, so an NFD and an NFC key are one key. `keep` reads
 * text byte for byte.
 */
export function normalizeItems(items: ManifestItem[], mode: UnicodeMode): ManifestItem[] {
  // A batch read from text below U+0300 is NFC already: no text of it needs a test.
  if (mode === "keep" || isPlain(items)) return items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.kind === "run") {
      const invalid = normalizeRun(item.spec);
      if (invalid !== undefined) items[i] = invalid;
    } else if (item.kind === "invalid-run" && item.clientKey !== undefined) {
      item.clientKey = toNfc(item.clientKey);
    }
  }
  return items;
}

/**
 * Puts a run's text in NFC, in place; two metadata keys that are one key in NFC make it
 * invalid (the item returned). In place and without allocating when the text is NFC already:
 * this runs for every row (bench/manifest.mjs --mapped).
 */
function normalizeRun(spec: RunSpec): ManifestItem | undefined {
  const { clientKey, name, description, assets, tags } = spec;
  if (MAYBE_NOT_NFC.test(clientKey)) spec.clientKey = clientKey.normalize("NFC");
  if (name !== undefined && MAYBE_NOT_NFC.test(name)) spec.name = name.normalize("NFC");
  if (description !== undefined && MAYBE_NOT_NFC.test(description)) {
    spec.description = description.normalize("NFC");
  }
  if (assets !== undefined) spec.assets = normalizeList(assets, false);
  if (tags !== undefined) spec.tags = normalizeList(tags, true);
  if (spec.metadata === undefined || isNfcMetadata(spec.metadata)) return undefined;
  const metadata: Record<string, MetadataSpec> = {};
  for (const [key, entry] of Object.entries(spec.metadata)) {
    const name = toNfc(key);
    if (Object.hasOwn(metadata, name)) {
      const { file, line } = spec.source;
      return {
        kind: "invalid-run",
        clientKey: spec.clientKey,
        source: spec.source,
        problems: [
          {
            file,
            line,
            field: `metadata.${key}`,
            message: `is metadata.${name} written in another Unicode form (NFD): a run has one value per key (or read the file with --unicode keep)`,
          },
        ],
      };
    }
    metadata[name] = normalizeMetadata(entry);
  }
  spec.metadata = metadata;
  return undefined;
}

/** Whether every key and text of `metadata` is NFC already (the common case: no copy). */
function isNfcMetadata(metadata: Record<string, MetadataSpec>): boolean {
  for (const key in metadata) {
    if (toNfc(key) !== key) return false;
    const { value, text } = metadata[key]!;
    if (typeof value === "string" && toNfc(value) !== value) return false;
    if (text !== undefined && toNfc(text) !== text) return false;
  }
  return true;
}

function normalizeMetadata(entry: MetadataSpec): MetadataSpec {
  if (typeof entry.value !== "string" && entry.text === undefined) return entry;
  const out: MetadataSpec = { ...entry };
  if (typeof entry.value === "string") out.value = toNfc(entry.value);
  if (entry.text !== undefined) out.text = toNfc(entry.text);
  return out;
}

/**
 * A list in NFC: assets keep their order, tags stay sorted; names equal in NFC are one name.
 * The same array when nothing changes (the common, ASCII case).
 */
function normalizeList(names: string[], sorted: boolean): string[] {
  let i = 0;
  while (i < names.length && toNfc(names[i]!) === names[i]) i++;
  if (i === names.length) return names; // no allocation on the hot path
  const unique = [...new Set(names.map(toNfc))];
  return sorted ? unique.sort() : unique;
}
