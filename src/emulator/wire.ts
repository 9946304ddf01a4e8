import { wireKeyType } from "./key-types.js";
import { ORGANIZATION_ID, USER_ID } from "./store.js";
import { runDuration } from "./time-text.js";
import type {
  DefaultsMode,
  StoredAsset,
  StoredMetadata,
  StoredMetadataKey,
  StoredRun,
  StoredTagRecord,
  WireMetadataKey,
  WireMetadataValue,
  WireRun,
  WireTag,
} from "./types.js";

/**
 * Stored records → protojson, camelCase, in one of the two forms a grpc-gateway server
 * may be configured for:
 * - `emit` (grpc-gateway v2's default marshaler, `EmitUnpopulated`): every field is
 *   present, `""`, `[]`, `false`, and `null` for an unset non-optional message field;
 * - `omit`: a field holding its default is left out.
 * In both, a field declared `optional` in the proto (startTime, stopTime, clientKey,
 * archivedDate and duration of a Run) is left out when unset, and so is an unset oneof.
 */
export class WireWriter {
  private readonly emit: boolean;

  constructor(mode: DefaultsMode) {
    this.emit = mode === "emit";
  }

  run(run: StoredRun): WireRun {
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
    this.put(wire, "isPinned", run.isPinned, false);
    this.put(wire, "name", run.name, "");
    this.put(wire, "description", run.description, "");
    this.putList(wire, "tags", run.tags);
    this.put(wire, "defaultReportId", run.defaultReportId, "");
    // NOTE: clientKey is a proto3 `optional`: present when set, even if it were "".
    if (run.clientKey !== undefined) wire.clientKey = run.clientKey;
    this.putList(
      wire,
      "metadata",
      run.metadata.map((m) => this.metadataValue(m)),
    );
    this.putList(wire, "assetIds", run.assetIds);
    if (run.archivedDate !== undefined) wire.archivedDate = run.archivedDate;
    this.put(wire, "isAdhoc", run.isAdhoc, false);
    this.put(wire, "isArchived", run.archivedDate !== undefined, false);
    const duration = runDuration(run);
    if (duration !== undefined) wire.duration = duration;
    return wire;
  }

  /**
   * A oneof member is emitted even when it holds its default (`numberValue: 0`). A seeded raw
   * entry is emitted exactly as it was given, in either mode: it stands for a shape a newer
   * Sift emits, which this emulator does not model.
   */
  private metadataValue(value: StoredMetadata): WireMetadataValue {
    if (value.type === "raw") return structuredClone(value.raw) as unknown as WireMetadataValue;
    const wire: WireMetadataValue = {
      key: this.metadataKey({ name: value.name, type: value.type }),
    };
    switch (value.type) {
      case "string":
        wire.stringValue = value.value as string;
        break;
      case "number":
        wire.numberValue = toWireNumber(value.value as number);
        break;
      case "boolean":
        wire.booleanValue = value.value as boolean;
        break;
      case "relation":
        // NOTE: both fields are REQUIRED in metadata.proto, so never empty: emitted either way.
        wire.relationValue = {
          resourceType: value.value.resourceType,
          resourceId: value.value.resourceId,
        };
        break;
      default:
        value satisfies never;
    }
    return this.withArchive(wire);
  }

  metadataKey(key: Pick<StoredMetadataKey, "name" | "type" | "wireType">): WireMetadataKey {
    return this.withArchive({ name: key.name, type: wireKeyType(key) });
  }

  asset(asset: StoredAsset): WireAsset {
    const wire: WireAsset = {
      assetId: asset.assetId,
      name: asset.name,
      organizationId: ORGANIZATION_ID,
      createdDate: asset.createdDate,
      modifiedDate: asset.createdDate,
      createdByUserId: USER_ID,
      modifiedByUserId: USER_ID,
    };
    this.putList(wire, "tags", asset.tags);
    this.putList(
      wire,
      "metadata",
      asset.metadata.map((m) => this.metadataValue(m)),
    );
    // NOTE: an asset's archivedDate is not a proto3 `optional`: null when unset, in `emit`.
    if (asset.archivedDate !== undefined) wire.archivedDate = asset.archivedDate;
    else if (this.emit) wire.archivedDate = null;
    this.put(wire, "isArchived", asset.archivedDate !== undefined, false);
    return wire;
  }

  /** `sift.tags.v2.Tag`: every field is set, so both modes write them all. */
  tag(tag: StoredTagRecord): WireTag {
    return {
      tagId: tag.tagId,
      name: tag.name,
      createdByUserId: USER_ID,
      createdDate: tag.createdDate,
    };
  }

  /** `{runs: [...], nextPageToken}`: in `omit`, an empty list and an empty token are left out. */
  page(name: string, items: unknown[], nextPageToken: string): object {
    const out: Record<string, unknown> = {};
    if (this.emit || items.length > 0) out[name] = items;
    if (this.emit || nextPageToken !== "") out.nextPageToken = nextPageToken;
    return out;
  }

  /** Archived keys and values do not exist here: `archivedDate: null`, `isArchived: false`. */
  private withArchive<T extends object>(wire: T): T {
    return this.emit ? { ...wire, archivedDate: null, isArchived: false } : wire;
  }

  private put<T extends object, K extends keyof T>(wire: T, name: K, value: T[K], empty: T[K]) {
    if (this.emit || value !== empty) wire[name] = value;
  }

  private putList<T extends object, K extends keyof T>(wire: T, name: K, values: T[K] & unknown[]) {
    if (this.emit || values.length > 0) wire[name] = [...values] as T[K];
  }
}

/** NOTE: protojson writes a NaN or infinite double as a string. */
function toWireNumber(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
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
  metadata?: WireMetadataValue[];
  archivedDate?: string | null;
  isArchived?: boolean;
}
