import type { Timestamp } from "../time/timestamp.js";
import { ChangedRecords } from "./changed-records.js";
import { MonotonicClock } from "./clock.js";
import { ModifiedIndex } from "./modified-index.js";
import { randomId } from "./random-id.js";
import type {
  StoredAsset,
  StoredKeyType,
  StoredMetadata,
  StoredMetadataKey,
  StoredRun,
  StoredTag,
  StoredTagRecord,
} from "./types.js";

/** The emulator serves one organization and one user. */
export const ORGANIZATION_ID = "org-local";
export const USER_ID = "user-local";

/**
 * The emulator's state: runs (in creation order, `seq` = index), assets, metadata keys and
 * tags, with the indexes the API needs to answer fast (run by id and by clientKey, asset by
 * id and by name, tag by name). Validation lives in the write functions; the store only
 * keeps indexes true, and every tag a run or asset names in the tag table.
 */
export class Store {
  readonly runs: StoredRun[] = [];
  readonly assets: StoredAsset[] = [];
  readonly metadataKeys: StoredMetadataKey[] = [];
  readonly tags: StoredTagRecord[] = [];
  readonly clock = new MonotonicClock();
  /** Bumped by every change, so caches (sorted orders) know when they are stale. */
  version = 0;
  /** The runs by modifiedDate, kept as they are written (`modified_date > …` lookups). */
  readonly runsByModified = new ModifiedIndex();
  private readonly runById = new Map<string, StoredRun>();
  private readonly runByClientKey = new Map<string, StoredRun>();
  private readonly assetById = new Map<string, StoredAsset>();
  /** Every asset of a name: at most one live, any number archived (names are reused after archiving). */
  private readonly assetsByName = new Map<string, StoredAsset[]>();
  private readonly keyByName = new Map<string, StoredMetadataKey>();
  private readonly tagByName = new Map<string, StoredTagRecord>();
  private readonly tagById = new Map<string, StoredTagRecord>();
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
    const { runs, assets, metadataKeys, tags } = this;
    return runs.length + assets.length + metadataKeys.length + tags.length === 0;
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

  /** The asset a name means: the live one, else the latest archived one. */
  findAssetByName(name: string): StoredAsset | undefined {
    const all = this.assetsByName.get(name);
    return all?.find((a) => a.archivedDate === undefined) ?? all?.at(-1);
  }

  /** The live asset of that name, if any (names are unique among live assets). */
  findLiveAssetByName(name: string): StoredAsset | undefined {
    return this.assetsByName.get(name)?.find((a) => a.archivedDate === undefined);
  }

  /** Every asset of that name, archived ones included, oldest first. */
  findAssetsByName(name: string): readonly StoredAsset[] {
    return this.assetsByName.get(name) ?? [];
  }

  private indexAssetName(asset: StoredAsset): void {
    const all = this.assetsByName.get(asset.name);
    if (all === undefined) this.assetsByName.set(asset.name, [asset]);
    else if (!all.includes(asset)) {
      all.push(asset);
      all.sort((a, b) => a.seq - b.seq);
    }
  }

  private unindexAssetName(asset: StoredAsset): void {
    const rest = (this.assetsByName.get(asset.name) ?? []).filter((a) => a !== asset);
    if (rest.length === 0) this.assetsByName.delete(asset.name);
    else this.assetsByName.set(asset.name, rest);
  }

  findMetadataKey(name: string): StoredMetadataKey | undefined {
    return this.keyByName.get(name);
  }

  findTagByName(name: string): StoredTagRecord | undefined {
    return this.tagByName.get(name);
  }

  findTag(tagId: string): StoredTagRecord | undefined {
    return this.tagById.get(tagId);
  }

  /** Adds a tag; the caller checked that name and id are free. */
  addTag(name: string, tagId: string = randomId(), createdDate?: Timestamp): StoredTagRecord {
    const tag: StoredTagRecord = {
      tagId,
      name,
      seq: this.tags.length,
      createdDate: createdDate ?? this.clock.now(),
    };
    this.tags.push(tag);
    this.tagByName.set(name, tag);
    this.tagById.set(tagId, tag);
    this.version++;
    this.changes?.tags.add(tag);
    return tag;
  }

  /** NOTE: Sift makes a tag when something first names it (no CreateTag call is documented). */
  private addMissingTags(names: string[]): void {
    for (const name of names) if (!this.tagByName.has(name)) this.addTag(name);
  }

  /** Adds a run built by a write; `seq` is assigned here. The caller checked clientKey is free. */
  addRun(fields: Omit<StoredRun, "seq">): StoredRun {
    const run = toStoredRun(this.runs.length, fields);
    this.runs.push(run);
    this.runById.set(run.runId, run);
    if (run.clientKey !== undefined) this.runByClientKey.set(run.clientKey, run);
    this.runsByModified.touch(run);
    this.addMissingTags(run.tags);
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
    this.runsByModified.touch(run);
    this.addMissingTags(run.tags);
    this.version++;
    this.changes?.runs.add(run);
  }

  /** NOTE: asset and tag names are stored trimmed, as Sift does. */
  addAsset(
    name: string,
    assetId: string = randomId(),
    tags: string[] = [],
    metadata: StoredMetadata[] = [],
    archived = false,
  ): StoredAsset {
    const createdDate = this.clock.now();
    const asset: StoredAsset = {
      seq: this.assets.length,
      assetId,
      name: name.trim(),
      tags: tags.map((tag) => tag.trim()),
      createdDate,
      metadata,
      archivedDate: archived ? createdDate : undefined,
    };
    this.assets.push(asset);
    this.assetById.set(assetId, asset);
    this.indexAssetName(asset);
    this.addMissingTags(asset.tags);
    this.version++;
    this.changes?.assets.add(asset);
    return asset;
  }

  /** `wireType`: an `other` key's type as ListMetadataKeys lists it. */
  addMetadataKey(name: string, type: StoredKeyType, wireType?: string | number): StoredMetadataKey {
    const key: StoredMetadataKey = {
      seq: this.metadataKeys.length,
      name,
      type,
      ...(type === "other" && { wireType }),
      createdDate: this.clock.now(),
    };
    this.metadataKeys.push(key);
    this.keyByName.set(name, key);
    this.version++;
    this.changes?.metadataKeys.add(key);
    return key;
  }

  /** A tag read from a state file, keeping its id; one already here (by tagId) is kept. */
  restoreTag(tag: StoredTag & { createdDate?: Timestamp }): void {
    if (this.tagById.has(tag.tagId)) return;
    if (tag.createdDate !== undefined) this.clock.advancePast(tag.createdDate);
    this.addTag(tag.name, tag.tagId, tag.createdDate);
  }

  /**
   * Puts back a record read from a state file, keeping its ids and dates: a new one is
   * added, one already here (by assetId, metadata key name, runId) is replaced in place, so
   * replaying a journal of upserts over a snapshot rebuilds the state.
   */
  restoreAsset(asset: StoredAsset): void {
    const existing = this.assetById.get(asset.assetId);
    const restored = {
      ...asset,
      metadata: asset.metadata ?? [],
      seq: existing?.seq ?? this.assets.length,
    };
    if (existing === undefined) this.assets.push(restored);
    else {
      this.unindexAssetName(existing);
      Object.assign(existing, restored);
    }
    const stored = existing ?? restored;
    this.assetById.set(stored.assetId, stored);
    this.indexAssetName(stored);
    this.addMissingTags(stored.tags);
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
