import type { MetadataValueType } from "../sift/schemas.js";
import type { Timestamp } from "../time/timestamp.js";
import type { RawMetadataEntry, RelationValue } from "./seed-types.js";

/** Runs, assets, metadata keys and tags as the emulator's store keeps them (and its state file). */

/**
 * A metadata key's type as the emulator stores it: the three a manifest can write, Sift's
 * relation, or `other` (a seeded key of a type this emulator does not model; see `wireType`).
 */
export type StoredKeyType = MetadataValueType | "relation" | "other";

/** One metadata value as the emulator stores it. */
export type StoredMetadata =
  | { name: string; type: MetadataValueType; value: string | number | boolean }
  | { name: string; type: "relation"; value: RelationValue }
  | {
      /** A seeded entry of a shape this emulator does not model (`rawMetadata`): emitted as is. */
      name: string;
      type: "raw";
      raw: RawMetadataEntry;
    };

/** A run as the emulator stores it. `seq` is its creation rank (and index in the run list). */
export interface StoredRun {
  seq: number;
  runId: string;
  createdDate: Timestamp;
  modifiedDate: Timestamp;
  name: string;
  description: string;
  tags: string[];
  startTime?: Timestamp;
  stopTime?: Timestamp;
  isPinned: boolean;
  clientKey?: string;
  metadata: StoredMetadata[];
  assetIds: string[];
  archivedDate?: Timestamp;
  isAdhoc: boolean;
  defaultReportId: string;
}

export interface StoredAsset {
  seq: number;
  assetId: string;
  name: string;
  tags: string[];
  createdDate: Timestamp;
  /** Absent in state files written before assets had metadata: read as none. */
  metadata: StoredMetadata[];
  archivedDate?: Timestamp;
}

export interface StoredMetadataKey {
  seq: number;
  name: string;
  type: StoredKeyType;
  /** `other` keys only: the type as ListMetadataKeys emits it (`"METADATA_KEY_TYPE_DATE"`, `9`). */
  wireType?: string | number;
  createdDate: Timestamp;
}

/** A tag: runs and assets hold its name, `tag_id` filters compare its id. */
export interface StoredTag {
  tagId: string;
  name: string;
}

/** A tag as the store keeps it: also its creation rank (ListTags' order) and date. */
export interface StoredTagRecord extends StoredTag {
  seq: number;
  /** Absent in state files written before ListTags: the restore gives it one. */
  createdDate: Timestamp;
}
