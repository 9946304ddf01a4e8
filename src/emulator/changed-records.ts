import type { StoredAsset, StoredMetadataKey, StoredRun, StoredTag } from "./types.js";

/**
 * The records the store changed since `--state` last took them: what its journal appends,
 * so a write costs the records it touched, never the whole store. The records are the
 * store's own (live) objects, serialized when a commit starts.
 */
export class ChangedRecords {
  readonly tags = new Set<StoredTag>();
  readonly assets = new Set<StoredAsset>();
  readonly metadataKeys = new Set<StoredMetadataKey>();
  readonly runs = new Set<StoredRun>();

  get size(): number {
    return this.tags.size + this.assets.size + this.metadataKeys.size + this.runs.size;
  }

  /** Adds `other`'s records (a commit that failed gives its records back). */
  addAll(other: ChangedRecords): void {
    for (const tag of other.tags) this.tags.add(tag);
    for (const asset of other.assets) this.assets.add(asset);
    for (const key of other.metadataKeys) this.metadataKeys.add(key);
    for (const run of other.runs) this.runs.add(run);
  }
}
