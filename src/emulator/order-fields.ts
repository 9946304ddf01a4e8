import type { Timestamp } from "../time/timestamp.js";
import { CREATED_DATE, type OrderFields, type SortValue } from "./list-order.js";
import { sortableTime } from "./time-text.js";
import type { StoredAsset, StoredMetadataKey, StoredRun, StoredTagRecord } from "./types.js";

/**
 * What each List call can be ordered by, as documented, and each field's sort value.
 * `created_date` is creation order (`seq`): the emulator's clock never repeats a date.
 */

const time = (ts: Timestamp | undefined): SortValue => (ts === undefined ? null : sortableTime(ts));

export const RUN_ORDER: OrderFields<StoredRun> = {
  defaultOrder: `${CREATED_DATE} desc`,
  fields: {
    name: (r) => r.name,
    description: (r) => r.description,
    [CREATED_DATE]: (r) => r.seq,
    modified_date: (r) => time(r.modifiedDate),
    start_time: (r) => time(r.startTime),
    stop_time: (r) => time(r.stopTime),
  },
  metadata: (r, key) => {
    const held = r.metadata.find((m) => m.name === key);
    // NOTE: ListMetadataKeys' relation keys are refused before this (Sift cannot order by them).
    return held === undefined || held.type === "relation" || held.type === "raw"
      ? null
      : held.value;
  },
};

export const ASSET_ORDER: OrderFields<StoredAsset> = {
  defaultOrder: `${CREATED_DATE} desc`,
  fields: {
    name: (a) => a.name,
    [CREATED_DATE]: (a) => a.seq,
    modified_date: (a) => time(a.createdDate),
    archived_date: (a) => time(a.archivedDate),
  },
};

/** NOTE: metadata keys list oldest first by default, unlike runs and assets. */
export const METADATA_KEY_ORDER: OrderFields<StoredMetadataKey> = {
  defaultOrder: CREATED_DATE,
  fields: {
    [CREATED_DATE]: (k) => k.seq,
    name: (k) => k.name,
  },
};

/** NOTE: ListTags lists oldest first by default, as ListMetadataKeys does (tags.proto). */
export const TAG_ORDER: OrderFields<StoredTagRecord> = {
  defaultOrder: CREATED_DATE,
  fields: {
    [CREATED_DATE]: (t) => t.seq,
    name: (t) => t.name,
  },
};
