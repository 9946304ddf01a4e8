import { DEFAULT_UNICODE, normalizeText, toNfc, type UnicodeMode } from "../core/unicode.js";
import { NAMED_FIELDS, type NamedField, type RunSpec } from "../manifest/index.js";
import { type Run, UPDATABLE_PATHS, type UpdatePath, type UpdateRunBody } from "../sift/schemas.js";
import { canonicalTime, compareTimes } from "../time/canonical-time.js";
import type { Timestamp } from "../time/timestamp.js";
import type { Change, FieldChange, Warning } from "./change.js";
import type { DiffOptions, IgnorableField } from "./diff-options.js";
import { diffMetadata } from "./metadata-list.js";
import { type DiffContext, newKeyTypes, type Resolved } from "./resolve.js";
import { siftValue } from "./sift-value.js";

/**
 * The fields an UpdateRun sets as the manifest has them, in the order of its mask paths (the
 * order reports have always shown); metadata, merged key by key, follows them.
 */
const UPDATED = NAMED_FIELDS.filter((f) => f.update && f.compare !== "metadata").sort(
  (a, b) =>
    UPDATABLE_PATHS.indexOf(a.wire as UpdatePath) - UPDATABLE_PATHS.indexOf(b.wire as UpdatePath),
);

/**
 * The UpdateRun that makes an existing run what its manifest row says, with the minimal mask;
 * unchanged when nothing differs. `adoptBy` is set when adopting: how the run was found.
 */
export function planUpdate(
  spec: RunSpec,
  run: Run,
  { metadata, assetIds }: Resolved,
  context: DiffContext,
  options: DiffOptions,
  adoptBy: string | undefined,
): Change {
  const unicode = options.unicode ?? DEFAULT_UNICODE;
  const fields: FieldChange[] = [];
  const body: UpdateRunBody["run"] = { runId: run.runId };
  const warnings: Warning[] = [];

  for (const def of UPDATED) {
    const wanted = spec[def.name];
    if (wanted === undefined || options.ignore.has(def.name as IgnorableField)) continue;
    if (holds(run, def, wanted, unicode)) continue;
    const after = wanted as FieldChange["after"];
    fields.push({
      path: def.wire as UpdatePath,
      label: def.name,
      before: siftValue(run, def),
      after,
    });
    (body as Record<string, unknown>)[def.wire] = wanted;
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

/** Whether Sift already holds the manifest's value, compared as the field says (run-fields.ts). */
function holds(run: Run, def: NamedField, wanted: unknown, unicode: UnicodeMode): boolean {
  const held = (run as unknown as Record<string, unknown>)[def.wire];
  switch (def.compare) {
    case "text":
      // Sift's text as the manifest's is compared: in NFC unless `--unicode keep`.
      return wanted === normalizeText(held as string, unicode);
    case "time":
      return wanted === canonicalTime(held as string | undefined);
    case "set": {
      const names = held as string[];
      return sameSet(wanted as string[], unicode === "keep" ? names : names.map(toNfc));
    }
    case "equal":
      return wanted === held;
    case "identity":
    case "asset-ids":
    case "metadata":
      return true; // never in UPDATED
    default:
      return def.compare satisfies never;
  }
}

/** An update that would leave startTime at or after stopTime is refused by the API. */
function checkTimeOrder(run: Run, body: UpdateRunBody["run"]): Warning | undefined {
  const start = (body.startTime ?? canonicalTime(run.startTime)) as Timestamp | undefined;
  const stop = (body.stopTime ?? canonicalTime(run.stopTime)) as Timestamp | undefined;
  if (start === undefined || stop === undefined || compareTimes(start, stop) < 0) return undefined;
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
  // The same items in the same order are the same set: no Set to build (the usual case).
  if (a.length === b.length && a.every((x, i) => x === b[i])) return true;
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function formatList(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.join(", ");
}
