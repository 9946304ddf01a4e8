import type { MetadataValueType } from "../sift/schemas.js";

/**
 * What `--seed` and `load()` accept. Friendly to write by hand:
 * ```yaml
 * assets: [stand-a, {name: rig-7, assetId: asset-rig-7}]
 * metadataKeys: {campaign: string, altitude_m: number}
 * runs:
 *   - {clientKey: tv-001, name: Test 1, assets: [stand-a], metadata: {campaign: c1}}
 * ```
 */
export interface EmulatorSeed {
  /** Tags with the ids you want (`{name, tagId}`); others get an id when first named. */
  tags?: (string | SeedTag)[];
  assets?: (string | SeedAsset)[];
  metadataKeys?: SeedMetadataKey[] | Record<string, SeedKeyType>;
  runs?: SeedRun[];
}

interface SeedTag {
  name: string;
  tagId?: string;
}

interface SeedAsset {
  name: string;
  assetId?: string;
  tags?: string[];
  /** Key → value, typed like a run's seed metadata. */
  metadata?: Record<string, SeedMetadataValue>;
  isArchived?: boolean;
}

/** A seed's metadata value: a string, number or boolean, or a relation (`{resourceType, resourceId}`). */
export type SeedMetadataValue = string | number | boolean | RelationValue;

interface SeedMetadataKey {
  name: string;
  /**
   * `string`, `number`, `boolean`, `relation`, or (to stand for a type Sift may add later) any
   * other wire form: a `METADATA_KEY_TYPE_…` name or an enum number, listed as given.
   */
  type: SeedKeyType;
}

type SeedKeyType = MetadataValueType | "relation" | string | number;

export interface SeedRun {
  runId?: string;
  clientKey?: string;
  name: string;
  description?: string;
  tags?: string[];
  startTime?: string;
  stopTime?: string;
  isPinned?: boolean;
  isArchived?: boolean;
  isAdhoc?: boolean;
  /**
   * When the run was made and last changed (default: now), for a seed of runs as an earlier
   * sync left them days ago; never later than now, and the clock goes on from now.
   */
  modifiedDate?: string;
  /** Asset names (`assets` is an alias). */
  assetNames?: string[];
  assets?: string[];
  assetIds?: string[];
  /** Key → value; the key's type is the existing key's, else the value's. */
  metadata?: Record<string, SeedMetadataValue>;
  /**
   * Seed-only escape hatch: metadata entries exactly as a (newer) Sift would emit them, of a
   * shape this emulator does not model (`{"key": {...}, "fooValue": ...}`, extra fields).
   * They are stored and emitted verbatim, and an UpdateRun of this run may send them back
   * (equal as JSON); any other unknown shape is refused (strict) or loses its unknown fields.
   */
  rawMetadata?: RawMetadataEntry[];
}

/** A metadata entry as JSON, with at least `key.name`. */
export type RawMetadataEntry = { key: { name: string } & Record<string, unknown> } & Record<
  string,
  unknown
>;

export /** `MetadataRelationValue`: a reference to another resource (Sift's example: a folder). */
interface RelationValue {
  resourceType: string;
  resourceId: string;
}
