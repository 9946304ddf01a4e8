import type { ClientKeyCheck } from "../core/client-key.js";
import type { Timestamp } from "../time/timestamp.js";
import { invalidArgument, notFound } from "./api-error.js";
import { commitMetadataKeys, resolveMetadata } from "./metadata-values.js";
import { randomId } from "./random-id.js";
import type { CreateAdhocRunInput, CreateRunInput, UpdateRunInput } from "./request-bodies.js";
import {
  changeClientKey,
  checkOrganization,
  checkNewClientKey,
  checkTimes,
  claimClientKey,
  readTags,
  requireName,
} from "./run-rules.js";
import type { Store } from "./store.js";
import type { StoredMetadata, StoredRun } from "./types.js";
import { parseUpdateMask } from "./update-mask.js";

/**
 * The three writes. Each checks the whole request first and changes the store only when
 * it is valid, so a refused request leaves no trace (not even a new metadata key).
 */

/** The server-side rules a deployment enforces (`clientKeyCheck`: Sift's clientKey rule, default on). */
export interface WriteRules {
  clientKeyCheck?: ClientKeyCheck;
}

export function createRun(store: Store, input: CreateRunInput, rules: WriteRules = {}): StoredRun {
  // NOTE: request validation (buf.validate) comes before the handler's own checks.
  checkNewClientKey(input.clientKey, rules.clientKeyCheck ?? "sift");
  const name = requireName(input.name, "name");
  checkOrganization(input.organizationId);
  checkTimes(input.startTime, input.stopTime);
  return addCreatedRun(store, input, {
    name,
    startTime: input.startTime,
    stopTime: input.stopTime,
    assetIds: [],
    isAdhoc: false,
    defaultReportId: input.createDefaultReport ? randomId() : "",
  });
}

/** NOTE: an adhoc run covers data already ingested: times and existing assets are required. */
export function createAdhocRun(
  store: Store,
  input: CreateAdhocRunInput,
  rules: WriteRules = {},
): StoredRun {
  checkNewClientKey(input.clientKey, rules.clientKeyCheck ?? "sift");
  const name = requireName(input.name, "name");
  if (input.startTime === undefined) throw invalidArgument("start_time is required");
  if (input.stopTime === undefined) throw invalidArgument("stop_time is required");
  checkTimes(input.startTime, input.stopTime);
  const assetIds = [...new Set(input.assetIds ?? [])];
  if (assetIds.length === 0) throw invalidArgument("asset_ids: at least one asset is required");
  for (const assetId of assetIds) {
    if (store.findAsset(assetId) === undefined) throw notFound(`asset "${assetId}" not found`);
  }
  return addCreatedRun(store, input, {
    name,
    startTime: input.startTime,
    stopTime: input.stopTime,
    assetIds,
    isAdhoc: true,
    defaultReportId: "",
  });
}

/**
 * What both creates do once their own checks passed: claim the clientKey, read tags and
 * metadata (the last checks), then add the run and any new metadata keys.
 */
function addCreatedRun(
  store: Store,
  input: CreateRunInput | CreateAdhocRunInput,
  fields: Pick<
    NewRunFields,
    "name" | "startTime" | "stopTime" | "assetIds" | "isAdhoc" | "defaultReportId"
  >,
): StoredRun {
  const clientKey = claimClientKey(store, input.clientKey);
  const tags = readTags(input.tags);
  const metadata = resolveMetadata(store, input.metadata ?? []);
  commitMetadataKeys(store, metadata);
  return addRun(store, {
    ...fields,
    description: input.description ?? "",
    tags,
    clientKey,
    metadata: metadata.values,
  });
}

/** With both in one mask, `isArchived` and `archivedDate` must say the same. */
function checkArchiveAgrees(isArchived: boolean, archivedDate: Timestamp | undefined): void {
  if (isArchived !== (archivedDate !== undefined)) {
    throw invalidArgument(
      `run.is_archived is ${isArchived} but run.archived_date is ${archivedDate === undefined ? "unset" : `"${archivedDate}"`}: with both in the update mask they must agree (an archived run has an archived date)`,
    );
  }
}

type NewRunFields = Omit<
  StoredRun,
  "seq" | "runId" | "createdDate" | "modifiedDate" | "isPinned" | "archivedDate"
>;

function addRun(store: Store, fields: NewRunFields): StoredRun {
  const now = store.clock.now();
  return store.addRun({
    runId: randomId(),
    createdDate: now,
    modifiedDate: now,
    isPinned: false,
    ...fields,
  });
}

/**
 * UpdateRun: only the masked fields change; a masked field absent from the body is reset
 * to its default (FieldMask semantics); tags and metadata are replaced whole.
 */
export function updateRun(
  store: Store,
  input: UpdateRunInput,
  /** Raw entries of the request's metadata list, by place, that the run holds (api.ts). */
  heldMetadata?: ReadonlyMap<number, StoredMetadata & { type: "raw" }>,
): StoredRun {
  const paths = parseUpdateMask(input.updateMask);
  const message = input.run ?? {};
  if (message.runId === undefined || message.runId === "") {
    throw invalidArgument("run.run_id is required");
  }
  const run = store.findRun(message.runId);
  if (run === undefined) throw notFound(`run "${message.runId}" not found`);

  const now = store.clock.now();
  const next: StoredRun = { ...run };
  let metadata: ReturnType<typeof resolveMetadata> | undefined;
  for (const path of paths) {
    switch (path) {
      case "name":
        next.name = requireName(message.name, "run.name");
        break;
      case "description":
        next.description = message.description ?? "";
        break;
      case "startTime":
        next.startTime = message.startTime;
        break;
      case "stopTime":
        next.stopTime = message.stopTime;
        break;
      case "isPinned":
        next.isPinned = message.isPinned ?? false;
        break;
      case "clientKey":
        next.clientKey = changeClientKey(store, run, message.clientKey);
        break;
      case "tags":
        next.tags = readTags(message.tags);
        break;
      case "isArchived":
        next.archivedDate = message.isArchived ? (next.archivedDate ?? now) : undefined;
        break;
      case "archivedDate":
        // The date itself: set archives the run (isArchived is derived from it), unset unarchives.
        next.archivedDate = message.archivedDate;
        break;
      case "metadata":
        metadata = resolveMetadata(store, message.metadata ?? [], heldMetadata);
        next.metadata = metadata.values;
        break;
      default:
        path satisfies never;
    }
  }
  checkTimes(next.startTime, next.stopTime);
  if (paths.includes("isArchived") && paths.includes("archivedDate")) {
    checkArchiveAgrees(message.isArchived ?? false, message.archivedDate);
  }

  if (metadata !== undefined) commitMetadataKeys(store, metadata);
  const previousClientKey = run.clientKey;
  Object.assign(run, next, { modifiedDate: now satisfies Timestamp });
  store.updateRun(run, previousClientKey);
  return run;
}
