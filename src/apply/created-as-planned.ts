import { compareTimestamps, parseTimestamp } from "../core/timestamp.js";
import type { FollowUp } from "../plan/change.js";
import { readMetadataValue, sameTypedValue } from "../plan/metadata.js";
import type { CreateAdhocRunBody, CreateRunBody, Run } from "../sift/schemas.js";

/**
 * Whether `run` already holds every value a planned create would give it: the plan was
 * applied before (a second `apply --plan` of the same file), so the create is done.
 * Fields the create leaves out are not compared; metadata by key, type and value; tags and
 * assets as sets; times as instants.
 */
export function createdAsPlanned(
  body: CreateRunBody | CreateAdhocRunBody,
  followUp: FollowUp | undefined,
  run: Run,
): boolean {
  if (body.name !== run.name) return false;
  if (body.description !== undefined && body.description !== (run.description ?? "")) return false;
  if (!sameInstant(body.startTime, run.startTime) || !sameInstant(body.stopTime, run.stopTime))
    return false;
  if (body.tags !== undefined && !sameSet(body.tags, run.tags)) return false;
  if ("assetIds" in body && !sameSet(body.assetIds, run.assetIds)) return false;
  const metadata = new Map(run.metadata.map((m) => [m.key.name, readMetadataValue(m)]));
  for (const m of body.metadata ?? []) {
    if (!sameTypedValue(metadata.get(m.key.name), readMetadataValue(m))) return false;
  }
  const wanted = followUp?.run ?? {};
  if (wanted.isPinned !== undefined && wanted.isPinned !== run.isPinned) return false;
  if (wanted.isArchived !== undefined && wanted.isArchived !== run.isArchived) return false;
  return true;
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
