import type { Timestamp } from "../core/timestamp.js";
import type { MetadataType } from "../manifest/spec.js";
import { ChangedRecords } from "./changed-records.js";
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
  /** Kept only with `--state` (see trackChanges): the records changed since the last take. */
  private changes: ChangedRecords | undefined;

  /** From now on, every change is recorded until `takeChanges()` (the `--state` journal). */
  trackChanges(): void {
    this.changes ??= new ChangedRecords();
  }

  /** The records changed since the last call; recording starts afresh. */
  takeChanges(): ChangedRecords {
    const taken = this.changes ?? new ChangedRecords();
    if (this.changes !== undefined) this.changes = new ChangedRecords();
    return taken;
  }

  /** Records `records` as changed again (a journal append that failed). */
  giveBackChanges(records: ChangedRecords): void {
    this.changes?.addAll(records);
  }

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
    const run = toStoredRun(this.runs.length, fields);
    this.runs.push(run);
    this.runById.set(run.runId, run);
    if (run.clientKey !== undefined) this.runByClientKey.set(run.clientKey, run);
    this.version++;
    this.changes?.runs.add(run);
    return run;
  }

  /** Records that `run` (already in the store) changed; re-indexes its clientKey. */
  updateRun(run: StoredRun, previousClientKey: string | undefined): void {
    if (previousClientKey !== run.clientKey) {
      if (previousClientKey !== undefined) this.runByClientKey.delete(previousClientKey);
      if (run.clientKey !== undefined) this.runByClientKey.set(run.clientKey, run);
    }
    this.version++;
    this.changes?.runs.add(run);
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
    this.changes?.assets.add(asset);
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
    this.changes?.metadataKeys.add(key);
    return key;
  }

  /**
   * Puts back a record read from a state file, keeping its ids and dates: a new one is
   * added, one already here (by assetId, metadata key name, runId) is replaced in place, so
   * replaying a journal of upserts over a snapshot rebuilds the state.
   */
  restoreAsset(asset: StoredAsset): void {
    const existing = this.assetById.get(asset.assetId);
    const restored = { ...asset, seq: existing?.seq ?? this.assets.length };
    if (existing === undefined) this.assets.push(restored);
    else {
      this.assetByName.delete(existing.name);
      Object.assign(existing, restored);
    }
    const stored = existing ?? restored;
    this.assetById.set(stored.assetId, stored);
    this.assetByName.set(stored.name, stored);
    this.clock.advancePast(stored.createdDate);
    this.version++;
  }

  restoreRun(run: StoredRun): void {
    const existing = this.runById.get(run.runId);
    if (existing === undefined) this.addRun(run);
    else {
      const previousClientKey = existing.clientKey;
      Object.assign(existing, toStoredRun(existing.seq, run));
      this.updateRun(existing, previousClientKey);
    }
    this.clock.advancePast(run.modifiedDate);
  }

  restoreMetadataKey(key: StoredMetadataKey): void {
    const existing = this.keyByName.get(key.name);
    const restored = { ...key, seq: existing?.seq ?? this.metadataKeys.length };
    if (existing === undefined) this.metadataKeys.push(restored);
    else Object.assign(existing, restored);
    this.keyByName.set(restored.name, existing ?? restored);
    this.clock.advancePast(restored.createdDate);
    this.version++;
  }
}

/**
 * One literal, fields in one order: every run shares a hidden class, keeping scans fast;
 * and an optional field absent from `fields` is set `undefined`, so a replace clears it.
 */
function toStoredRun(seq: number, fields: Omit<StoredRun, "seq">): StoredRun {
  return {
    seq,
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
}
