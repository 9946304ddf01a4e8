import stableStringify from "fast-json-stable-stringify";
import { findField } from "../manifest/index.js";
import { siftValue } from "../plan/sift-value.js";
import { typedOf } from "../report/plan-file-verify-entry.js";
import type { SavedChange } from "../report/plan-file.js";
import { sameMetadataEntry } from "../sift/metadata-entry.js";
import { type MetadataValue, type Run, UPDATABLE_PATHS } from "../sift/schemas.js";

/**
 * What a saved plan's entries claim about Sift, checked against Sift before anything is
 * written (the file alone is checked as it is read, see plan-file-verify.ts):
 * - an update's old values are what the run holds, and its metadata list sends the run's other
 *   keys exactly as Sift holds them (UpdateRun replaces the list whole: a key added, changed or
 *   dropped there, unshown, would be an unreviewed write);
 * - a create's asset ids are the ids of the asset names the reviewer saw.
 * Only runs unchanged since the plan (same modifiedDate) are compared: a run changed since is
 * skipped by apply anyway, as stale.
 */
export type SavedUpdate = Extract<
  SavedChange,
  { action: "update" | "adopt" | "unarchive" | "archive" }
>;

const METADATA_PREFIX = "metadata.";

export function isSavedUpdate(change: SavedChange): change is SavedUpdate {
  return (
    change.action === "update" ||
    change.action === "adopt" ||
    change.action === "unarchive" ||
    change.action === "archive"
  );
}

/** The problems of one update entry against the run Sift holds now; [] when stale or sound. */
export function checkUpdateAgainstRun(change: SavedUpdate, now: Run | undefined): string[] {
  if (now === undefined || now.runId !== change.runId) return [];
  if (now.modifiedDate !== change.modifiedDate) return [];
  const problems: string[] = [];
  const current = new Map(now.metadata.map((m) => [m.key.name, m]));
  const shown = new Set<string>();
  for (const field of change.fields) {
    const isMetadata = field.field.startsWith(METADATA_PREFIX);
    const key = field.field.slice(METADATA_PREFIX.length);
    if (isMetadata) shown.add(key);
    const held = isMetadata ? metadataValue(current.get(key)) : plainValue(now, field.field);
    if (!sameValue(held, field.before)) {
      problems.push(
        `fields.${field.field} shows the old value ${show(field.before)}, but Sift holds ${show(held)} (and the run is unchanged since the plan)`,
      );
    }
  }
  const list = change.request.run.metadata;
  if (list !== undefined) {
    const sent = new Map(list.map((m) => [m.key.name, m]));
    for (const [key, value] of current) {
      if (shown.has(key)) continue;
      const kept = sent.get(key);
      if (kept === undefined) {
        problems.push(`request.run.metadata drops ${show(key)}, which no field shows removed`);
      } else if (!sameMetadataEntry(kept, value)) {
        problems.push(`request.run.metadata changes ${show(key)}, which no field shows changing`);
      }
    }
    for (const key of sent.keys()) {
      if (!shown.has(key) && !current.has(key)) {
        problems.push(`request.run.metadata adds ${show(key)}, which no field shows`);
      }
    }
  }
  return problems;
}

/** The asset name → id pairs a create entry sends; problems when a name has two ids. */
export function collectAssetIds(change: SavedChange, ids: Map<string, string>): string[] {
  if (change.action !== "create" || !("assetIds" in change.request)) return [];
  const names = change.fields.find((f) => f.field === "assets")?.after;
  if (!Array.isArray(names)) return [];
  const problems: string[] = [];
  names.forEach((name, i) => {
    const id = (change.request as { assetIds: string[] }).assetIds[i]!;
    const known = ids.get(name);
    if (known !== undefined && known !== id) {
      problems.push(`asset ${show(name)} is sent as ${show(id)} here and ${show(known)} elsewhere`);
    }
    ids.set(name, id);
  });
  return problems;
}

/** Asset names whose id in the plan is not the id Sift gives them (an asset gone since is fine: its create fails alone). */
export function checkAssetIds(
  planned: ReadonlyMap<string, string>,
  resolved: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [name, id] of planned) {
    const actual = resolved.get(name);
    if (actual !== undefined && actual !== id) {
      problems.push(
        `fields.assets shows ${show(name)}, which is asset ${show(actual)} in Sift, but the request sends asset ${show(id)}`,
      );
    }
  }
  return problems;
}

/** What Sift holds for a field an UpdateRun sets, as the plan shows it (undefined for others). */
function plainValue(run: Run, field: string): unknown {
  const def = findField(field);
  if (def === undefined || !(UPDATABLE_PATHS as readonly string[]).includes(def.wire)) {
    return undefined;
  }
  return siftValue(run, def);
}

function metadataValue(value: MetadataValue | undefined): unknown {
  return value === undefined ? undefined : typedOf(value);
}

function sameValue(held: unknown, before: unknown): boolean {
  if (held === undefined || held === null) return before === null;
  if (Array.isArray(held) && Array.isArray(before)) {
    return stableStringify([...held].sort()) === stableStringify([...before].sort());
  }
  return held === before;
}

function show(value: unknown): string {
  const text = value === undefined || value === null ? "none" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
