import { compareTimestamps, parseTimestamp } from "../time/timestamp.js";
import type { FollowUp } from "../plan/change.js";
import { sameMetadataEntry } from "../sift/metadata-entry.js";
import type { CreateAdhocRunBody, CreateRunBody, MetadataValue, Run } from "../sift/schemas.js";

/** Field values a saved plan would write (a create's request and follow-up, an update's run). */
export interface PlannedValues {
  name?: string;
  description?: string;
  startTime?: string;
  stopTime?: string;
  tags?: string[];
  assetIds?: string[];
  metadata?: MetadataValue[];
  isPinned?: boolean;
  isArchived?: boolean;
}

/**
 * Whether `run` already holds every value a saved change would write: the plan was applied
 * before (a second `apply --plan` of the same file), so the change is done. Fields the change
 * leaves out are not compared; metadata by key, type and value (an entry no manifest can
 * express, a relation, as JSON); tags and assets as sets; times as instants.
 */
export function holdsPlannedValues(planned: PlannedValues, run: Run): boolean {
  if (planned.name !== undefined && planned.name !== run.name) return false;
  if (planned.description !== undefined && planned.description !== (run.description ?? ""))
    return false;
  if (!sameInstant(planned.startTime, run.startTime)) return false;
  if (!sameInstant(planned.stopTime, run.stopTime)) return false;
  if (planned.tags !== undefined && !sameSet(planned.tags, run.tags)) return false;
  if (planned.assetIds !== undefined && !sameSet(planned.assetIds, run.assetIds)) return false;
  const metadata = new Map(run.metadata.map((m) => [m.key.name, m]));
  for (const m of planned.metadata ?? []) {
    const held = metadata.get(m.key.name);
    if (held === undefined || !sameMetadataEntry(held, m)) return false;
  }
  if (planned.isPinned !== undefined && planned.isPinned !== run.isPinned) return false;
  if (planned.isArchived !== undefined && planned.isArchived !== run.isArchived) return false;
  return true;
}

/** A planned create's values: its request and its follow-up UpdateRun. */
export function createdAsPlanned(
  body: CreateRunBody | CreateAdhocRunBody,
  followUp: FollowUp | undefined,
  run: Run,
): boolean {
  return holdsPlannedValues({ ...body, ...followUp?.run }, run);
}

function sameInstant(planned: string | undefined, current: string | undefined): boolean {
  if (planned === undefined) return true;
  if (current === undefined) return false;
  const a = parseTimestamp(planned);
  const b = parseTimestamp(current);
  return a.ok && b.ok ? compareTimestamps(a.value, b.value) === 0 : planned === current;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}
