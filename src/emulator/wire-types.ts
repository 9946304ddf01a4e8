import type { METADATA_KEY_TYPE_RELATION, MetadataKeyTypeWire } from "../sift/schemas.js";
import type { RelationValue } from "./seed-types.js";

/** Runs, metadata and tags as the emulator's answers carry them (protojson). */

/** A run as the API emits it (protojson; defaults present or not, see `defaults`). */
export interface WireRun {
  runId: string;
  createdDate: string;
  modifiedDate: string;
  createdByUserId: string;
  modifiedByUserId: string;
  organizationId: string;
  startTime?: string;
  stopTime?: string;
  isPinned?: boolean;
  name?: string;
  description?: string;
  tags?: string[];
  defaultReportId?: string;
  clientKey?: string;
  metadata?: WireMetadataValue[];
  assetIds?: string[];
  archivedDate?: string;
  isArchived?: boolean;
  isAdhoc?: boolean;
  duration?: string;
}

export interface WireMetadataValue {
  key: WireMetadataKey;
  stringValue?: string;
  /** A number, or "NaN" / "Infinity" / "-Infinity". */
  numberValue?: number | string;
  booleanValue?: boolean;
  relationValue?: RelationValue;
  archivedDate?: null;
  isArchived?: false;
}

export interface WireMetadataKey {
  name: string;
  /** An enum name; a seeded key of a type this emulator does not know, as given (maybe a number). */
  type: MetadataKeyTypeWire | typeof METADATA_KEY_TYPE_RELATION | string | number;
  archivedDate?: null;
  isArchived?: false;
}

/**
 * How answers carry fields that hold their default value: `emit` (grpc-gateway v2's
 * default marshaler: `"description": ""`, `"tags": []`, `"isPinned": false`...) or `omit`.
 */
export type DefaultsMode = "emit" | "omit";
export const DEFAULTS_MODES: readonly DefaultsMode[] = ["emit", "omit"];

/** A tag as ListTags emits it (`sift.tags.v2.Tag`). */
export interface WireTag {
  tagId: string;
  name: string;
  createdByUserId: string;
  createdDate: string;
}
