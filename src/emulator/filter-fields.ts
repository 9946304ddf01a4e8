import { Environment } from "@marcbachmann/cel-js";
import type { Timestamp } from "../time/timestamp.js";
import { type FilterField, type FilterSchema, toTimeValue } from "./cel-filter.js";
import { ORGANIZATION_ID, type Store, USER_ID } from "./store.js";
import { runDuration } from "./time-text.js";
import { firstAbove, firstAtLeast, sortByTime } from "./time-order.js";
import type {
  StoredAsset,
  StoredMetadata,
  StoredMetadataKey,
  StoredRun,
  StoredTagRecord,
} from "./types.js";

/**
 * The filterable fields of each resource, as documented (snake_case), and how to read them
 * from a stored record.
 * NOTE: `field OP timestamp('…')` compares at the nanosecond (cel-rewrite.ts); other
 * arithmetic on times works to the millisecond.
 */

const TIMESTAMP = "google.protobuf.Timestamp";
const DURATION = "google.protobuf.Duration";

const string = <T>(read: (item: T) => string | null): FilterField<T> => ({
  celType: "string",
  read,
});
const strings = <T>(read: (item: T) => string[]): FilterField<T> => ({
  celType: "string",
  read,
  many: true,
});
const time = <T>(read: (item: T) => Timestamp | undefined): FilterField<T> => ({
  celType: TIMESTAMP,
  read: (item) => {
    const ts = read(item);
    return ts === undefined ? null : toTimeValue(ts);
  },
});
const bool = <T>(read: (item: T) => boolean): FilterField<T> => ({ celType: "bool", read });
/**
 * NOTE: only string, number and boolean values are visible to filters; a relation or raw
 * entry reads as absent. Sift documents no filter on relation values.
 */
const metadataMap = <T>(read: (item: T) => StoredMetadata[]): FilterField<T> => ({
  celType: "map<string, dyn>",
  read: (item) =>
    Object.fromEntries(read(item).flatMap((m) => (isPlain(m) ? [[m.name, m.value]] : []))),
});

function isPlain(
  m: StoredMetadata,
): m is Extract<StoredMetadata, { value: string | number | boolean }> {
  return m.type === "string" || m.type === "number" || m.type === "boolean";
}

export function runFilterSchema(store: Store): FilterSchema<StoredRun> {
  return {
    fields: {
      run_id: string((r) => r.runId),
      organization_id: string(() => ORGANIZATION_ID),
      asset_id: strings((r) => r.assetIds),
      asset_name: strings((r) => r.assetIds.map((id) => store.findAsset(id)?.name ?? "")),
      client_key: string((r) => r.clientKey ?? null),
      name: string((r) => r.name),
      description: string((r) => r.description),
      created_by_user_id: string(() => USER_ID),
      modified_by_user_id: string(() => USER_ID),
      created_date: time((r) => r.createdDate),
      modified_date: time((r) => r.modifiedDate),
      start_time: time((r) => r.startTime),
      stop_time: time((r) => r.stopTime),
      tag_id: strings((r) => tagIds(store, r.tags)),
      asset_tag_id: strings((r) =>
        r.assetIds.flatMap((id) => tagIds(store, store.findAsset(id)?.tags ?? [])),
      ),
      archived_date: time((r) => r.archivedDate),
      is_archived: bool((r) => r.archivedDate !== undefined),
      duration: { celType: "double", read: durationSeconds },
      duration_string: { celType: DURATION, read: readDuration },
      // NOTE: the emulator keeps no annotations: no comments, no state.
      annotation_comments_count: { celType: "int", read: () => 0n },
      annotation_state: string(() => null),
      metadata: metadataMap((r) => r.metadata),
    },
    indexes: {
      client_key: (key) => store.findRunByClientKey(key),
      run_id: (id) => store.findRun(id),
    },
    ranges: {
      start_time: sortedByTime(store, (r) => r.startTime),
      stop_time: sortedByTime(store, (r) => r.stopTime),
      modified_date: (from, to) => store.runsByModified.within(from, to, store.runs),
    },
  };
}

/**
 * Runs in a range of one time field, by binary search over the runs sorted by it (rebuilt
 * after a write): a ranged lookup reads the runs in its ranges, not the whole store.
 */
function sortedByTime(
  store: Store,
  read: (run: StoredRun) => Timestamp | undefined,
): (from: string, to: string) => readonly StoredRun[] {
  let sorted: { version: number; keys: string[]; runs: StoredRun[] } | undefined;
  return (from, to) => {
    if (sorted?.version !== store.version)
      sorted = { version: store.version, ...sortByTime(store.runs, read) };
    const { keys, runs } = sorted;
    const keyAt = (i: number) => keys[i]!;
    return runs.slice(firstAtLeast(keys.length, keyAt, from), firstAbove(keys.length, keyAt, to));
  };
}

export function assetFilterSchema(store: Store): FilterSchema<StoredAsset> {
  return {
    fields: {
      asset_id: string((a) => a.assetId),
      name: string((a) => a.name),
      name_lower: string((a) => a.name.toLowerCase()),
      tag_id: strings((a) => tagIds(store, a.tags)),
      tag_name: strings((a) => a.tags),
      created_by_user_id: string(() => USER_ID),
      modified_by_user_id: string(() => USER_ID),
      created_date: time((a) => a.createdDate),
      // NOTE: assets are never modified here: modified_date is created_date.
      modified_date: time((a) => a.createdDate),
      archived_date: time((a) => a.archivedDate),
      is_archived: bool((a) => a.archivedDate !== undefined),
      metadata: metadataMap((a) => a.metadata),
    },
    indexes: {
      name: (name) => store.findAssetsByName(name),
      asset_id: (id) => store.findAsset(id),
    },
  };
}

export function metadataKeyFilterSchema(store: Store): FilterSchema<StoredMetadataKey> {
  return {
    fields: {
      name: string((k) => k.name),
      archived_date: time(() => undefined),
      is_archived: bool(() => false),
    },
    indexes: { name: (name) => store.findMetadataKey(name) },
  };
}

/** ListTags' filter fields, as tags.proto documents them: `name` and `tag_id`. */
export function tagFilterSchema(store: Store): FilterSchema<StoredTagRecord> {
  return {
    fields: {
      name: string((t) => t.name),
      tag_id: string((t) => t.tagId),
    },
    indexes: { name: (name) => store.findTagByName(name), tag_id: (id) => store.findTag(id) },
  };
}

/** Runs and assets hold tag names; `tag_id` compares the ids of the tags so named. */
function tagIds(store: Store, names: string[]): string[] {
  return names.map((name) => store.findTagByName(name)?.tagId ?? "");
}

/** cel-js does not export its Duration type; its own `duration()` builds one. */
const toCelDuration = new Environment().registerVariable("text", "string").parse("duration(text)");

/** NOTE: an ongoing run (no stop time) lasts until now; a run without start has no duration. */
function readDuration(run: StoredRun): unknown {
  const text = runDuration(run);
  return text === undefined ? null : toCelDuration({ text });
}

function durationSeconds(run: StoredRun): number | null {
  const text = runDuration(run);
  return text === undefined ? null : Number(text.slice(0, -1));
}
