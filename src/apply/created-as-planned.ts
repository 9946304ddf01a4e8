import { compareTimestamps, parseTimestamp } from "../time/timestamp.js";
import type { FollowUp } from "../plan/change.js";
import { sameMetadataEntry } from "../sift/metadata-entry.js";
import { NAMED_FIELDS, type NamedField } from "../manifest/index.js";
import type {
  CreateAdhocRunBody,
  CreateRunBody,
  MetadataValue,
  Run,
  UpdateRunBody,
} from "../sift/schemas.js";

/** Field values a saved plan would write (a create's request and follow-up, an update's run). */
export type PlannedValues = Partial<Omit<UpdateRunBody["run"], "runId" | "clientKey">> & {
  assetIds?: string[];
};

/** The fields a plan writes, each compared as the run-field table says. */
const WRITTEN = NAMED_FIELDS.filter((f) => f.compare !== "identity");

/**
 * Whether `run` already holds every value a saved change would write: the plan was applied
 * before (a second `apply --plan` of the same file), so the change is done. Fields the change
 * leaves out are not compared; metadata by key, type and value (an entry no manifest can
 * express, a relation, as JSON); tags and assets as sets; times as instants.
 */
export function holdsPlannedValues(planned: PlannedValues, run: Run): boolean {
  const values = planned as Record<string, unknown>;
  const held = run as unknown as Record<string, unknown>;
  for (const def of WRITTEN) {
    const value = values[def.wire];
    if (value === undefined) continue;
    if (!holdsValue(def, value, held[def.wire], run)) return false;
  }
  return true;
}

function holdsValue(def: NamedField, planned: unknown, held: unknown, run: Run): boolean {
  switch (def.compare) {
    case "text":
      return planned === (held ?? "");
    case "time":
      return sameInstant(planned as string, held as string | undefined);
    case "set":
    case "asset-ids":
      return sameSet(planned as string[], held as string[]);
    case "metadata": {
      const metadata = new Map(run.metadata.map((m) => [m.key.name, m]));
      return (planned as MetadataValue[]).every((m) => {
        const entry = metadata.get(m.key.name);
        return entry !== undefined && sameMetadataEntry(entry, m);
      });
    }
    case "equal":
    case "identity":
      return planned === held;
    default:
      return def.compare satisfies never;
  }
}

/** A planned create's values: its request and its follow-up UpdateRun. */
export function createdAsPlanned(
  body: CreateRunBody | CreateAdhocRunBody,
  followUp: FollowUp | undefined,
  run: Run,
): boolean {
  return holdsPlannedValues({ ...body, ...followUp?.run }, run);
}

function sameInstant(planned: string, current: string | undefined): boolean {
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
