import {
  CLIENT_KEY_RULE,
  type ClientKeyCheck,
  explainClientKey,
  NEW_KEY_FIX,
} from "../core/client-key.js";
import type { Problem } from "../core/errors.js";
import { compareTimestamps, type Timestamp } from "../time/timestamp.js";
import {
  DEFAULT_UNICODE,
  didYouMean,
  normalizeText,
  toNfc,
  type UnicodeMode,
} from "../core/unicode.js";
import { type RunSpec, SPEC_FIELDS, type SpecField } from "../manifest/spec.js";
import { quote } from "../manifest/values.js";
import type {
  CreateAdhocRunBody,
  CreateRunBody,
  KeyTypeName,
  MetadataKeyTypeWire,
  Run,
  UpdatePath,
  UpdateRunBody,
} from "../sift/schemas.js";
import { canonicalTime } from "../time/canonical-time.js";
import type { Change, FieldChange, FollowUp, RunUpdate, Warning } from "./change.js";
import type { Match } from "./match.js";
import { checkHeldMetadata, diffMetadata } from "./metadata-list.js";
import { resolveMetadata, type TypedValue, toMetadataValue } from "./metadata.js";

/** Fields `--ignore` can name: every field a manifest can manage. */
export const IGNORABLE_FIELDS = SPEC_FIELDS;
export type IgnorableField = SpecField;

/**
 * Which writes a sync may make, as Data Loader's insert / update / upsert: `create-only` never
 * changes an existing run, `update-only` never creates one.
 */
export type SyncMode = "upsert" | "create-only" | "update-only";

export interface DiffOptions {
  /** merge: the manifest's keys are set, others kept; replace: exactly the manifest's keys. */
  metadata: "merge" | "replace";
  /** Fields never compared nor written on existing runs. */
  ignore: ReadonlySet<IgnorableField>;
  /** Default `upsert`. */
  mode?: SyncMode;
  /** `sift` (default): a run to be created needs a clientKey by Sift's rule; `off`: any key. */
  clientKeyCheck?: ClientKeyCheck;
  /**
   * `--archive-missing`: whether an archived run is in the scope, and so is unarchived when its
   * row does not manage isArchived. Undefined: nothing is unarchived.
   */
  unarchive?: (run: Run) => boolean;
  /**
   * `--unicode`: `nfc` (default) compares Sift's text with the manifest's (NFC already) in NFC,
   * so a value Sift holds in NFD is unchanged; `keep` compares byte for byte.
   */
  unicode?: UnicodeMode;
}

export interface DiffContext {
  /** Asset name → id, for the asset names that exist. */
  assetIds: ReadonlyMap<string, string>;
  /** `--unicode keep`: asset names Sift holds only in another Unicode form (for "did you mean"). */
  assetOtherForms?: ReadonlyMap<string, string>;
  /** Metadata keys the organization holds only in another Unicode form → their name there. */
  keyNames?: ReadonlyMap<string, string>;
  /** Asset id → name of assets the existing runs hold (for messages; else the ids show). */
  assetNames?: ReadonlyMap<string, string>;
  /** Metadata key → type, as the organization has them (plus keys earlier changes introduce). */
  keyTypes: ReadonlyMap<string, KeyTypeName>;
}

/**
 * Decides what one manifest run needs: create, update (with the minimal mask) or nothing.
 * Pure: no client, clock or logger.
 */
export function diffRun(
  spec: RunSpec,
  existing: Run | undefined,
  context: DiffContext,
  options: DiffOptions,
): Change {
  const problems: Problem[] = [];
  const metadata = resolveMetadata(spec, context.keyTypes, problems);
  const assetIds = resolveAssets(spec, context.assetIds, problems, context.assetOtherForms);
  if (existing !== undefined) checkHeldMetadata(spec, existing, problems);
  const mode = options.mode ?? "upsert";
  if (existing === undefined && mode !== "update-only") checkNewKey(spec, options, problems);
  if (problems.length > 0) return { action: "invalid", spec, problems };
  if (existing === undefined) {
    if (mode === "update-only") return { action: "skip", spec, reason: UPDATE_ONLY_REASON };
    return planCreate(spec, metadata, assetIds, context, problems);
  }
  return inMode(mode, planUpdate(spec, existing, metadata, assetIds, context, options, undefined));
}

/**
 * A run to be created needs a clientKey Sift accepts (src/core/client-key.ts): a create with
 * another key is refused by Sift, so it is invalid here and never sent. Existing runs are
 * matched by any key (they may predate the rule).
 */
function checkNewKey(spec: RunSpec, options: DiffOptions, problems: Problem[]): void {
  if (options.clientKeyCheck === "off") return;
  const reason = explainClientKey(spec.clientKey);
  if (reason === undefined) return;
  problems.push({
    file: spec.source.file,
    line: spec.source.line,
    field: "clientKey",
    message: `${quote(spec.clientKey)} ${reason}, and no run has this key: Sift creates runs only with clientKeys of ${CLIENT_KEY_RULE} (${NEW_KEY_FIX})`,
  });
}

const UPDATE_ONLY_REASON = "no run has this clientKey, and --mode update-only never creates one";

/** `--mode create-only` never changes an existing run: an update (adopt, unarchive) is left out. */
function inMode(mode: SyncMode, change: Change): Change {
  if (mode !== "create-only") return change;
  if (change.action !== "update" && change.action !== "adopt" && change.action !== "unarchive") {
    return change;
  }
  return leaveAsItIs(change);
}

/** `--mode create-only`: an update becomes "unchanged", with a note naming what differs. */
function leaveAsItIs(change: RunUpdate): Change {
  const labels = change.fields.map((f) => f.label);
  const note: Warning = {
    code: "not-updated",
    message: `differs from Sift (${labels.join(", ")}); --mode create-only leaves existing runs as they are`,
  };
  return {
    action: "unchanged",
    spec: change.spec,
    runId: change.runId,
    modifiedDate: change.modifiedDate,
    warnings: [...change.warnings, note],
  };
}

/**
 * The change for a manifest run and what its lookups matched: create, update, adopt (a run
 * without a clientKey, brought under the row's), or invalid when the match is a conflict.
 * Pure, like diffRun.
 */
export function diffMatch(
  spec: RunSpec,
  match: Match,
  context: DiffContext,
  options: DiffOptions,
): Change {
  switch (match.kind) {
    case "none": {
      const change = diffRun(spec, undefined, context, options);
      if (match.warnings && change.action === "create") change.warnings.push(...match.warnings);
      return change;
    }
    case "existing":
      return diffRun(spec, match.run, context, options);
    case "conflict": {
      // Report the row's other problems too: all of a row's problems in one pass.
      const problems: Problem[] = [...match.problems];
      resolveMetadata(spec, context.keyTypes, problems);
      resolveAssets(spec, context.assetIds, problems, context.assetOtherForms);
      return { action: "invalid", spec, problems };
    }
    case "adopt": {
      const problems: Problem[] = [];
      const metadata = resolveMetadata(spec, context.keyTypes, problems);
      const assetIds = resolveAssets(spec, context.assetIds, problems, context.assetOtherForms);
      checkHeldMetadata(spec, match.run, problems);
      if (problems.length > 0) return { action: "invalid", spec, problems };
      const change = planUpdate(spec, match.run, metadata, assetIds, context, options, match.by);
      return inMode(options.mode ?? "upsert", change);
    }
    default:
      return match satisfies never;
  }
}

/**
 * The problems a spec has against what Sift holds (unknown asset names, metadata values that
 * do not fit their key's type), found before anything is written.
 */
export function checkSpec(
  spec: RunSpec,
  context: DiffContext,
): { problems: Problem[]; newKeyTypes: Record<string, MetadataKeyTypeWire> } {
  const problems: Problem[] = [];
  const metadata = resolveMetadata(spec, context.keyTypes, problems);
  resolveAssets(spec, context.assetIds, problems, context.assetOtherForms);
  return { problems, newKeyTypes: newKeyTypes(metadata, context.keyTypes) };
}

function resolveAssets(
  spec: RunSpec,
  known: ReadonlyMap<string, string>,
  problems: Problem[],
  otherForms?: ReadonlyMap<string, string>,
): string[] | undefined {
  if (spec.assets === undefined) return undefined;
  const ids: string[] = [];
  for (const name of spec.assets) {
    const id = known.get(name);
    if (id === undefined) {
      const other = otherForms?.get(name);
      const hint =
        other === undefined
          ? ""
          : ` (${didYouMean(name, other)} --unicode keep compares names byte for byte)`;
      problems.push({
        file: spec.source.file,
        line: spec.source.line,
        field: "assets",
        message: `no asset named ${JSON.stringify(name)} exists in Sift${hint}`,
      });
    } else ids.push(id);
  }
  return ids;
}

function planCreate(
  spec: RunSpec,
  metadata: Map<string, TypedValue> | undefined,
  assetIds: string[] | undefined,
  context: DiffContext,
  problems: Problem[],
): Change {
  const { keyTypes, keyNames } = context;
  if (spec.name === undefined) {
    problems.push({
      file: spec.source.file,
      line: spec.source.line,
      field: "name",
      message: "is required to create a run (no run with this clientKey exists)",
    });
    return { action: "invalid", spec, problems };
  }
  const metadataList =
    metadata && [...metadata].map(([k, v]) => toMetadataValue(keyNames?.get(k) ?? k, v));
  const common = {
    name: spec.name,
    ...(spec.description !== undefined && { description: spec.description }),
    ...(spec.tags !== undefined && { tags: spec.tags }),
    ...(metadataList !== undefined && { metadata: metadataList }),
    clientKey: spec.clientKey,
  };
  const adhoc = assetIds !== undefined && assetIds.length > 0;
  // NOTE: manifest validation guarantees both times on a run with assets.
  const body: CreateRunBody | CreateAdhocRunBody = adhoc
    ? { ...common, startTime: spec.startTime!, stopTime: spec.stopTime!, assetIds }
    : {
        ...common,
        ...(spec.startTime !== undefined && { startTime: spec.startTime }),
        ...(spec.stopTime !== undefined && { stopTime: spec.stopTime }),
      };
  const followUp = planFollowUp(spec);
  return {
    action: "create",
    spec,
    call: adhoc ? "CreateAdhocRun" : "CreateRun",
    body,
    followUp,
    fields: describeCreate(spec, metadata),
    warnings: [],
    newKeyTypes: newKeyTypes(metadata, keyTypes),
  };
}

/** isPinned and isArchived default to false; only `true` needs the follow-up UpdateRun. */
function planFollowUp(spec: RunSpec): FollowUp | undefined {
  const run: FollowUp["run"] = {};
  const mask: UpdatePath[] = [];
  if (spec.isPinned === true) {
    run.isPinned = true;
    mask.push("isPinned");
  }
  if (spec.isArchived === true) {
    run.isArchived = true;
    mask.push("isArchived");
  }
  return mask.length === 0 ? undefined : { run, updateMask: mask.join(",") };
}

function describeCreate(
  spec: RunSpec,
  metadata: Map<string, TypedValue> | undefined,
): FieldChange[] {
  const fields: FieldChange[] = [];
  const add = (path: FieldChange["path"], label: string, after: FieldChange["after"]) => {
    if (after !== undefined) fields.push({ path, label, before: undefined, after });
  };
  add("name", "name", spec.name);
  add("description", "description", spec.description);
  add("startTime", "startTime", spec.startTime);
  add("stopTime", "stopTime", spec.stopTime);
  add("assetIds", "assets", spec.assets);
  add("tags", "tags", spec.tags);
  add("isPinned", "isPinned", spec.isPinned);
  add("isArchived", "isArchived", spec.isArchived);
  for (const [k, v] of metadata ?? []) add("metadata", `metadata.${k}`, v.value);
  return fields;
}

function planUpdate(
  spec: RunSpec,
  run: Run,
  metadata: Map<string, TypedValue> | undefined,
  assetIds: string[] | undefined,
  context: DiffContext,
  options: DiffOptions,
  /** Set when adopting: how the run was found. */
  adoptBy: string | undefined,
): Change {
  const managed = (field: keyof RunSpec & string) =>
    spec[field] !== undefined && !options.ignore.has(field as IgnorableField);
  const unicode = options.unicode ?? DEFAULT_UNICODE;
  /** Sift's text as the manifest's is compared: in NFC unless `--unicode keep`. */
  const sift = (text: string) => normalizeText(text, unicode);
  const fields: FieldChange[] = [];
  const body: UpdateRunBody["run"] = { runId: run.runId };
  const warnings: Warning[] = [];

  if (managed("name") && spec.name !== sift(run.name)) {
    fields.push({ path: "name", label: "name", before: run.name, after: spec.name });
    body.name = spec.name;
  }
  if (managed("description") && spec.description !== sift(run.description)) {
    const change = { before: run.description, after: spec.description };
    fields.push({ path: "description", label: "description", ...change });
    body.description = spec.description;
  }
  for (const path of ["startTime", "stopTime"] as const) {
    const wanted = spec[path];
    const current = canonicalTime(run[path]);
    if (managed(path) && wanted !== current) {
      fields.push({ path, label: path, before: current, after: wanted });
      body[path] = wanted;
    }
  }
  if (managed("isPinned") && spec.isPinned !== run.isPinned) {
    fields.push({
      path: "isPinned",
      label: "isPinned",
      before: run.isPinned,
      after: spec.isPinned,
    });
    body.isPinned = spec.isPinned;
  }
  if (
    managed("tags") &&
    !sameSet(spec.tags!, unicode === "keep" ? run.tags : run.tags.map(toNfc))
  ) {
    fields.push({ path: "tags", label: "tags", before: [...run.tags].sort(), after: spec.tags });
    body.tags = spec.tags;
  }
  if (managed("isArchived") && spec.isArchived !== run.isArchived) {
    const change = { before: run.isArchived, after: spec.isArchived };
    fields.push({ path: "isArchived", label: "isArchived", ...change });
    body.isArchived = spec.isArchived;
  }
  // A run the source still holds comes back from the archive, unless its row says otherwise.
  const unarchive =
    spec.isArchived === undefined &&
    !options.ignore.has("isArchived") &&
    run.isArchived &&
    options.unarchive?.(run) === true;
  if (unarchive) {
    fields.push({ path: "isArchived", label: "isArchived", before: true, after: false });
    body.isArchived = false;
  }
  if (metadata !== undefined && !options.ignore.has("metadata")) {
    const result = diffMetadata(metadata, run.metadata, options.metadata, {
      unicode,
      ...(context.keyNames && { keyNames: context.keyNames }),
    });
    if (result.changes.length > 0) {
      fields.push(...result.changes);
      body.metadata = result.list;
      if (result.kept !== undefined) warnings.push(result.kept);
    }
  }
  if (assetIds !== undefined && !options.ignore.has("assets") && !sameSet(assetIds, run.assetIds)) {
    const names = context.assetNames ?? assetNamesById(context.assetIds);
    const current = run.assetIds.map((id) => names.get(id) ?? id);
    warnings.push({
      code: "assets-differ",
      message: `assets differ (Sift has ${formatList(current)}, the manifest ${formatList(spec.assets!)}); assets cannot be updated, left as they are`,
    });
  }
  const timeWarning = checkTimeOrder(run, body);
  if (timeWarning) warnings.push(timeWarning);

  if (adoptBy !== undefined) {
    // NOTE: UpdateRun sets a clientKey once; only a run without one is ever adopted.
    fields.unshift({
      path: "clientKey",
      label: "clientKey",
      before: undefined,
      after: spec.clientKey,
    });
    body.clientKey = spec.clientKey;
  }

  // Updates never carry assets (they cannot be updated), so every path here is a mask path.
  const mask = [...new Set(fields.map((f) => f.path as UpdatePath))];
  if (mask.length === 0) {
    return {
      action: "unchanged",
      spec,
      runId: run.runId,
      modifiedDate: run.modifiedDate,
      warnings,
    };
  }
  const update = {
    spec,
    runId: run.runId,
    modifiedDate: run.modifiedDate,
    mask,
    body: { run: body, updateMask: mask.join(",") },
    fields,
    warnings,
    newKeyTypes: newKeyTypes(metadata, context.keyTypes),
  };
  if (adoptBy !== undefined) return { action: "adopt", by: adoptBy, ...update };
  return unarchive ? { action: "unarchive", ...update } : { action: "update", ...update };
}

function newKeyTypes(
  metadata: Map<string, TypedValue> | undefined,
  keyTypes: ReadonlyMap<string, KeyTypeName>,
): Record<string, MetadataKeyTypeWire> {
  const added: Record<string, MetadataKeyTypeWire> = {};
  for (const [k, v] of metadata ?? []) if (!keyTypes.has(k)) added[k] = v.type;
  return added;
}

/** An update that would leave startTime at or after stopTime is refused by the API. */
function checkTimeOrder(run: Run, body: UpdateRunBody["run"]): Warning | undefined {
  const start = (body.startTime ?? canonicalTime(run.startTime)) as Timestamp | undefined;
  const stop = (body.stopTime ?? canonicalTime(run.stopTime)) as Timestamp | undefined;
  if (start === undefined || stop === undefined || compareTimestamps(start, stop) < 0)
    return undefined;
  return {
    code: "time-order",
    message: `startTime ${start} would not be before stopTime ${stop}; Sift will refuse this update`,
  };
}

/** For messages: the names of the asset ids the manifests resolved (others show as ids). */
function assetNamesById(assetIds: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...assetIds].map(([name, id]) => [id, name]));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function formatList(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.join(", ");
}
