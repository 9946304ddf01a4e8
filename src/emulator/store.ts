import type { Timestamp } from "../core/timestamp.js";
import type { MetadataType } from "../manifest/spec.js";
import { MonotonicClock } from "./clock.js";
import { randomId } from "./random-id.js";
import type { StoredAsset, StoredMetadataKey, StoredRun } from "./types.js";

/** The emulator serves one organization and one user. */
export const ORGANIZATION_ID = "org-local";
export const USER_ID = "user-local";

/**
 * The emulator's state: runs (in creation order, `seq` = index), assets and metadata keys,
 * with the indexes the API needs to answer fast (run by id and by clientKey, asset by id
 * and by name). Validation lives in the write functions; the store only keeps indexes true.
 */
export class Store {
  readonly runs: StoredRun[] = [];
  readonly assets: StoredAsset[] = [];
  readonly metadataKeys: StoredMetadataKey[] = [];
  readonly clock = new MonotonicClock();
  /** Bumped by every change, so caches (sorted orders) know when they are stale. */
  version = 0;
  private readonly runById = new Map<string, StoredRun>();
  private readonly runByClientKey = new Map<string, StoredRun>();
  private readonly assetById = new Map<string, StoredAsset>();
  private readonly assetByName = new Map<string, StoredAsset>();
  private readonly keyByName = new Map<string, StoredMetadataKey>();

  isEmpty(): boolean {
    return this.runs.length === 0 && this.assets.length === 0 && this.metadataKeys.length === 0;
  }

  findRun(runId: string): StoredRun | undefined {
    return this.runById.get(runId);
  }

  findRunByClientKey(clientKey: string): StoredRun | undefined {
    return this.runByClientKey.get(clientKey);
  }

  findAsset(assetId: string): StoredAsset | undefined {
    return this.assetById.get(assetId);
  }

  findAssetByName(name: string): StoredAsset | undefined {
    return this.assetByName.get(name);
  }

  findMetadataKey(name: string): StoredMetadataKey | undefined {
    return this.keyByName.get(name);
  }

  /** Adds a run built by a write; `seq` is assigned here. The caller checked clientKey is free. */
  addRun(fields: Omit<StoredRun, "seq">): StoredRun {
    // One literal, fields in one order: every run shares a hidden class, keeping scans fast.
    const run: StoredRun = {
      seq: this.runs.length,
      runId: fields.runId,
      createdDate: fields.createdDate,
      modifiedDate: fields.modifiedDate,
      name: fields.name,
      description: fields.description,
      tags: fields.tags,
      startTime: fields.startTime,
      stopTime: fields.stopTime,
      isPinned: fields.isPinned,
      clientKey: fields.clientKey,
      metadata: fields.metadata,
      assetIds: fields.assetIds,
      archivedDate: fields.archivedDate,
      isAdhoc: fields.isAdhoc,
      defaultReportId: fields.defaultReportId,
    };
    this.runs.push(run);
    this.runById.set(run.runId, run);
    if (run.clientKey !== undefined) this.runByClientKey.set(run.clientKey, run);
    this.version++;
    return run;
  }

  /** Records that `run` (already in the store) changed; re-indexes its clientKey. */
  updateRun(run: StoredRun, previousClientKey: string | undefined): void {
    if (previousClientKey !== run.clientKey) {
      if (previousClientKey !== undefined) this.runByClientKey.delete(previousClientKey);
      if (run.clientKey !== undefined) this.runByClientKey.set(run.clientKey, run);
    }
    this.version++;
  }

  /** NOTE: asset and tag names are stored trimmed, as Sift does. */
  addAsset(name: string, assetId: string = randomId(), tags: string[] = []): StoredAsset {
    const asset: StoredAsset = {
      seq: this.assets.length,
      assetId,
      name: name.trim(),
      tags: tags.map((tag) => tag.trim()),
      createdDate: this.clock.now(),
    };
    this.assets.push(asset);
    this.assetById.set(assetId, asset);
    this.assetByName.set(asset.name, asset);
    this.version++;
    return asset;
  }

  addMetadataKey(name: string, type: MetadataType, createdDate?: Timestamp): StoredMetadataKey {
    const key: StoredMetadataKey = {
      seq: this.metadataKeys.length,
      name,
      type,
      createdDate: createdDate ?? this.clock.now(),
    };
    this.metadataKeys.push(key);
    this.keyByName.set(name, key);
    this.version++;
    return key;
  }

  /** Puts back assets and keys read from a state file, keeping their ids and dates. */
  restoreAsset(asset: StoredAsset): void {
    const restored = { ...asset, seq: this.assets.length };
    this.assets.push(restored);
    this.assetById.set(restored.assetId, restored);
    this.assetByName.set(restored.name, restored);
    this.clock.advancePast(restored.createdDate);
  }

  restoreRun(run: StoredRun): void {
    this.addRun(run);
    this.clock.advancePast(run.modifiedDate);
  }

  restoreMetadataKey(key: StoredMetadataKey): void {
    const restored = { ...key, seq: this.metadataKeys.length };
    this.metadataKeys.push(restored);
    this.keyByName.set(restored.name, restored);
    this.clock.advancePast(restored.createdDate);
  }
}
