import { Lanes } from "../core/text-hash.js";
import { type MetadataSpec, NAMED_FIELDS, type RunSpec } from "../manifest/index.js";

/** What a row's diff depends on besides the row and its run: what the names resolve to. */
export interface ResolvedNames {
  /** Asset name → id, as resolved for this sync. */
  assetIds: ReadonlyMap<string, string>;
  /** Metadata key → type, as Sift had them before the plan (not the types it introduces). */
  keyTypes: ReadonlyMap<string, string>;
}

/**
 * A 53-bit hash of everything a row's diff depends on but its run: the options (`seed`), the
 * row's managed content after mapping and normalization (not its source line), the asset ids
 * its names resolve to and its metadata keys' types. Undefined when the row uses a key Sift
 * does not have yet: its diff depends on the rows before it, so it is always looked up.
 *
 * NOTE: not cryptographic (two lanes of multiply-xor, as cyrb53): a changed row keeping its
 * hash by chance has odds of 2^-53; the manifests are the user's own, not an adversary's.
 * Hashing the fields directly costs ~1.3-1.7 µs a bench row in the CLI (docs/performance.md),
 * where JSON.stringify and SHA-1 cost ~4 µs.
 */
export function hashRow(spec: RunSpec, names: ResolvedNames, seed: number): number | undefined {
  const h = new Lanes(seed);
  const values = spec as unknown as Record<string, unknown>;
  for (const def of HASHED) {
    const value = values[def.name];
    switch (def.read) {
      case "clientKey":
        break; // the cache's key itself
      case "runId":
      case "name":
      case "text":
      case "timestamp":
        h.text(value as string | undefined);
        break;
      case "assets":
        if (value === undefined) h.mark(1);
        else {
          h.mark(2);
          for (const asset of value as string[]) {
            const id = names.assetIds.get(asset);
            if (id === undefined) return undefined;
            h.text(id);
          }
        }
        break;
      case "tags":
        if (value === undefined) h.mark(1);
        else {
          h.mark(2);
          for (const tag of value as string[]) h.text(tag);
        }
        break;
      case "boolean":
        h.mark(value === undefined ? 1 : value ? 2 : 3);
        break;
      case "metadata":
        if (value === undefined) h.mark(1);
        else if (!hashMetadata(h, value as Record<string, MetadataSpec>, names)) return undefined;
        break;
      default:
        return def.read satisfies never;
    }
  }
  return h.digest();
}

/** Every field of the run-field table but the clientKey, in table order. */
const HASHED = NAMED_FIELDS.filter((f) => f.read !== "clientKey");

/** False when a key is not in Sift yet. */
function hashMetadata(
  h: Lanes,
  metadata: Record<string, MetadataSpec>,
  names: ResolvedNames,
): boolean {
  h.mark(2);
  // NOTE: for-in, not Object.entries: no array of pairs allocated for every row.
  for (const key in metadata) {
    const type = names.keyTypes.get(key);
    if (type === undefined) return false;
    const { value, type: declared, text } = metadata[key]!;
    h.text(key);
    h.text(type);
    h.text(declared);
    if (typeof value === "string") {
      h.mark(4);
      h.text(value);
    } else if (typeof value === "number") {
      h.mark(5);
      h.number(value);
    } else h.mark(value ? 6 : 7);
    h.text(text);
  }
  return true;
}

/** The seed of `hashRow` for a set of options (any JSON value, in a stable key order). */
export function seedOf(options: unknown): number {
  const h = new Lanes(0x5eed);
  h.text(JSON.stringify(options));
  return h.digest();
}
