import { isUuid, UUID_EXAMPLE } from "../core/run-id.js";
import { compareTimestamps, type Timestamp } from "../time/timestamp.js";
import type { MetadataValueType } from "../sift/schemas.js";
import type { ApiFailure } from "./api-error.js";
import { randomId } from "./random-id.js";
import { checkTimes } from "./run-rules.js";
import type { Store } from "./store.js";
import { readTimestamp } from "./time-text.js";
import { type KeyTypeOf, readKeyType, wireKeyType } from "./key-types.js";
import { normalizeNames } from "./request-bodies.js";
import type {
  EmulatorSeed,
  SeedMetadataValue,
  SeedRun,
  StoredKeyType,
  StoredMetadata,
} from "./types.js";

/**
 * Seeds: assets, metadata keys and runs given as data (`--seed FILE`, `load()`), added
 * straight to the store. Errors name the item: `runs[3] (tv-004): unknown asset "rig-9"`.
 */

/** Adds a seed's tags, metadata keys, assets, then runs. Stops at the first bad item. */
export function applySeed(store: Store, seed: EmulatorSeed): void {
  for (const [i, entry] of (seed.tags ?? []).entries()) {
    const given = typeof entry === "string" ? { name: entry } : entry;
    const name = given.name.trim();
    if (name === "") fail(`tags[${i}]: name is required`);
    if (store.findTagByName(name)) fail(`tags[${i}]: tag "${name}" exists`);
    if (given.tagId !== undefined && store.findTag(given.tagId)) {
      fail(`tags[${i}]: tag id "${given.tagId}" exists`);
    }
    store.addTag(name, given.tagId ?? randomId());
  }
  const keys = Array.isArray(seed.metadataKeys)
    ? seed.metadataKeys
    : Object.entries(seed.metadataKeys ?? {}).map(([name, type]) => ({ name, type }));
  for (const key of keys) {
    ensureKey(store, key.name, readKeyType(key.type), `metadataKeys.${key.name}`);
  }
  for (const [i, entry] of (seed.assets ?? []).entries()) {
    const given = typeof entry === "string" ? { name: entry } : entry;
    const asset = { ...given, name: given.name.trim() };
    if (asset.name === "") fail(`assets[${i}]: name is required`);
    // NOTE: names are unique among live assets; an archived asset's name may be reused.
    if (!asset.isArchived && store.findLiveAssetByName(asset.name)) {
      fail(
        `assets[${i}]: a live asset "${asset.name}" exists (archive one of them to reuse the name)`,
      );
    }
    if (asset.assetId !== undefined && store.findAsset(asset.assetId)) {
      fail(`assets[${i}]: asset id "${asset.assetId}" exists`);
    }
    const metadata = readMetadata(store, asset.metadata, `assets[${i}]`);
    const { assetId = randomId(), tags = [], isArchived = false } = asset;
    store.addAsset(asset.name, assetId, tags, metadata, isArchived);
  }
  for (const [i, run] of (seed.runs ?? []).entries()) {
    addSeedRun(store, run, `runs[${i}]${run.clientKey ? ` (${run.clientKey})` : ""}`);
  }
}

function addSeedRun(store: Store, run: SeedRun, where: string): void {
  if (typeof run.name !== "string" || run.name.trim() === "") fail(`${where}: name is required`);
  if (run.clientKey !== undefined && store.findRunByClientKey(run.clientKey)) {
    fail(`${where}: client key "${run.clientKey}" is used by another run`);
  }
  // NOTE: Sift's run ids are UUIDs (GetRun refuses others): a seed cannot hold a run Sift could not.
  if (run.runId !== undefined && !isUuid(run.runId)) {
    fail(
      `${where}: run id "${run.runId}" is not a UUID (Sift's run ids are, e.g. ${UUID_EXAMPLE})`,
    );
  }
  if (run.runId !== undefined && store.findRun(run.runId)) {
    fail(`${where}: run id "${run.runId}" exists`);
  }
  const startTime = readTime(run.startTime, `${where}: startTime`);
  const stopTime = readTime(run.stopTime, `${where}: stopTime`);
  try {
    checkTimes(startTime, stopTime);
  } catch (error) {
    fail(`${where}: ${(error as ApiFailure).message}`);
  }
  const assetIds = resolveAssets(store, run, where);
  const metadata = [
    ...readMetadata(store, run.metadata, where),
    ...readRawMetadata(store, run, where),
  ];
  const now = store.clock.now();
  const stamped =
    run.modifiedDate === undefined ? now : readTime(run.modifiedDate, `${where}: modifiedDate`);
  if (stamped !== undefined && compareTimestamps(stamped, now) > 0)
    fail(`${where}: modifiedDate is in the future`);
  store.addRun({
    runId: run.runId ?? randomId(),
    createdDate: stamped ?? now,
    modifiedDate: stamped ?? now,
    name: run.name,
    description: run.description ?? "",
    tags: unique((run.tags ?? []).map((tag) => tag.trim())),
    startTime,
    stopTime,
    isPinned: run.isPinned ?? false,
    clientKey: run.clientKey,
    metadata,
    assetIds,
    archivedDate: run.isArchived ? now : undefined,
    isAdhoc: run.isAdhoc ?? assetIds.length > 0,
    defaultReportId: "",
  });
}

/**
 * Seed metadata as stored values; a key not known yet is made with the value's type (an
 * object `{resourceType, resourceId}` is a relation).
 */
function readMetadata(
  store: Store,
  values: Record<string, SeedMetadataValue> | undefined,
  where: string,
): StoredMetadata[] {
  return Object.entries(values ?? {}).map(([name, value]): StoredMetadata => {
    const at = `${where}: metadata.${name}`;
    const own: StoredKeyType =
      typeof value === "object" ? "relation" : (typeof value as MetadataValueType);
    const key = store.findMetadataKey(name) ?? { type: own };
    if (key.type === "other") {
      fail(`${at}: key "${name}" has a type this emulator does not model (give it in rawMetadata)`);
    }
    ensureKey(store, name, { type: key.type }, at);
    if (key.type === "relation") {
      if (typeof value !== "object") fail(`${at}: a relation key needs {resourceType, resourceId}`);
      return { name, type: "relation", value: { ...value } };
    }
    if (typeof value === "object") fail(`${at}: key "${name}" is a ${key.type} key`);
    return { name, type: key.type, value: coerce(value, key.type, at) };
  });
}

/** `rawMetadata`: stored as given; each key is made with the entry's own type if new. */
function readRawMetadata(store: Store, run: SeedRun, where: string): StoredMetadata[] {
  return (run.rawMetadata ?? []).map((raw, i): StoredMetadata => {
    const at = `${where}: rawMetadata[${i}]`;
    const name = raw.key.name;
    if (run.metadata !== undefined && Object.hasOwn(run.metadata, name)) {
      fail(`${at}: key "${name}" is in metadata too`);
    }
    try {
      normalizeNames(raw);
    } catch (error) {
      fail(`${at}: ${(error as ApiFailure).message}`);
    }
    const type = raw.key.type;
    ensureKey(
      store,
      name,
      readKeyType(typeof type === "string" || typeof type === "number" ? type : undefined),
      at,
    );
    return { name, type: "raw", raw: structuredClone(raw) };
  });
}

function resolveAssets(store: Store, run: SeedRun, where: string): string[] {
  const ids: string[] = [];
  for (const id of run.assetIds ?? []) {
    if (!store.findAsset(id)) fail(`${where}: unknown asset id "${id}"`);
    if (!ids.includes(id)) ids.push(id);
  }
  for (const names of [run.assetNames, run.assets]) {
    for (const name of names ?? []) {
      const asset = store.findAssetByName(name.trim());
      if (asset === undefined) fail(`${where}: unknown asset "${name}"`);
      if (!ids.includes(asset.assetId)) ids.push(asset.assetId);
    }
  }
  return ids.slice();
}

/** Without duplicates, in order; an exact-size copy (a pushed-to array reserves 17 slots). */
function unique(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) if (!out.includes(v)) out.push(v);
  return out.slice();
}

function ensureKey(store: Store, name: string, type: KeyTypeOf, where: string): void {
  const existing = store.findMetadataKey(name);
  if (existing === undefined) store.addMetadataKey(name, type.type, type.wireType);
  else if (existing.type !== type.type || wireKeyType(existing) !== wireKeyType(type)) {
    fail(`${where}: key "${name}" is a ${wireKeyType(existing)} key`);
  }
}

/** Lossless only: `"12"` for a number key is 12, `12` for a string key is "12". */
function coerce(value: string | number | boolean, type: MetadataValueType, where: string) {
  if (typeof value === type) return value;
  if (type === "string") return String(value);
  if (type === "number" && typeof value === "string" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return fail(`${where}: ${JSON.stringify(value)} is not a ${type}`);
}

function readTime(text: string | undefined, where: string): Timestamp | undefined {
  if (text === undefined) return undefined;
  const parsed = readTimestamp(text);
  if (!parsed.ok) fail(`${where}: "${text}" ${parsed.reason}`);
  return parsed.value;
}

function fail(message: string): never {
  throw new Error(message);
}
