import { METADATA_KEY_TYPES } from "../sift/schemas.js";
import { ORGANIZATION_ID, USER_ID } from "./store.js";
import { runDuration } from "./time-text.js";
import type {
  StoredAsset,
  StoredMetadata,
  StoredMetadataKey,
  StoredRun,
  WireMetadataValue,
  WireRun,
} from "./types.js";

/**
 * Stored records → protojson: camelCase, and a field holding its default (empty string,
 * empty list, false, unset optional) is left out, as protojson does.
 */

export function toWireRun(run: StoredRun): WireRun {
  const wire: WireRun = {
    runId: run.runId,
    createdDate: run.createdDate,
    modifiedDate: run.modifiedDate,
    createdByUserId: USER_ID,
    modifiedByUserId: USER_ID,
    organizationId: ORGANIZATION_ID,
  };
  if (run.startTime !== undefined) wire.startTime = run.startTime;
  if (run.stopTime !== undefined) wire.stopTime = run.stopTime;
  if (run.isPinned) wire.isPinned = true;
  if (run.name !== "") wire.name = run.name;
  if (run.description !== "") wire.description = run.description;
  if (run.tags.length > 0) wire.tags = [...run.tags];
  if (run.defaultReportId !== "") wire.defaultReportId = run.defaultReportId;
  // NOTE: clientKey is a proto3 `optional`: present when set, even if it were "".
  if (run.clientKey !== undefined) wire.clientKey = run.clientKey;
  if (run.metadata.length > 0) wire.metadata = run.metadata.map(toWireMetadataValue);
  if (run.assetIds.length > 0) wire.assetIds = [...run.assetIds];
  if (run.archivedDate !== undefined) {
    wire.archivedDate = run.archivedDate;
    wire.isArchived = true;
  }
  if (run.isAdhoc) wire.isAdhoc = true;
  const duration = runDuration(run);
  if (duration !== undefined) wire.duration = duration;
  return wire;
}

/** A oneof member is emitted even when it holds its default (`numberValue: 0`). */
function toWireMetadataValue(value: StoredMetadata): WireMetadataValue {
  const key = { name: value.name, type: METADATA_KEY_TYPES[value.type] };
  switch (value.type) {
    case "string":
      return { key, stringValue: value.value as string };
    case "number":
      return { key, numberValue: value.value as number };
    case "boolean":
      return { key, booleanValue: value.value as boolean };
  }
}

export interface WireAsset {
  assetId: string;
  name: string;
  organizationId: string;
  createdDate: string;
  modifiedDate: string;
  createdByUserId: string;
  modifiedByUserId: string;
  tags?: string[];
}

export function toWireAsset(asset: StoredAsset): WireAsset {
  const wire: WireAsset = {
    assetId: asset.assetId,
    name: asset.name,
    organizationId: ORGANIZATION_ID,
    createdDate: asset.createdDate,
    modifiedDate: asset.createdDate,
    createdByUserId: USER_ID,
    modifiedByUserId: USER_ID,
  };
  if (asset.tags.length > 0) wire.tags = [...asset.tags];
  return wire;
}

export function toWireMetadataKey(key: StoredMetadataKey): { name: string; type: string } {
  return { name: key.name, type: METADATA_KEY_TYPES[key.type] };
}
