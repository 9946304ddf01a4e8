import { formatProblem } from "../core/errors.js";
import { formatSource } from "../manifest/index.js";
import type { Change, FieldChange, FieldValue } from "../plan/change.js";
import type { UpdatePath } from "../sift/schemas.js";

/** A field change in JSON: `null` stands for "absent" (a key added, removed, an unset time). */
interface FieldEntry {
  field: string;
  before: Exclude<FieldValue, undefined> | null;
  after: Exclude<FieldValue, undefined> | null;
}

/** One change as `--format json` shows it (contract §4). Absent keys are omitted. */
export interface PlanEntry {
  clientKey: string;
  action: Change["action"];
  /** `runs.csv:2` */
  source: string;
  warnings: string[];
  /** Existing runs (update, adopt, unarchive, archive, unchanged). */
  runId?: string;
  /** Wire paths of the UpdateRun (update, adopt, unarchive, archive). */
  updateMask?: UpdatePath[];
  /** Adopt only: how the run without a clientKey was found (`runId`, or the `--adopt-by` fields). */
  adoptedBy?: string;
  /** Create only. */
  call?: "CreateRun" | "CreateAdhocRun";
  fields: FieldEntry[];
  /** Skip only: why the sync mode rules the row out. */
  reason?: string;
  /** Invalid only: located messages, `runs.csv:10 assets: no asset named "x" exists in Sift`. */
  problems?: string[];
}

export function toPlanEntry(change: Change): PlanEntry {
  if (change.action === "archive") {
    // No manifest holds the run: no source.
    return {
      clientKey: change.clientKey,
      action: "archive",
      source: "",
      warnings: [],
      runId: change.runId,
      updateMask: ["isArchived"],
      fields: [{ field: "isArchived", before: false, after: true }],
    };
  }
  const base = { clientKey: change.spec.clientKey, action: change.action };
  const source = formatSource(change.spec.source);
  switch (change.action) {
    case "create":
      return {
        ...base,
        source,
        warnings: messagesOf(change),
        call: change.call,
        fields: change.fields.map(toFieldEntry),
      };
    case "update":
    case "adopt":
    case "unarchive":
      return {
        ...base,
        source,
        warnings: messagesOf(change),
        runId: change.runId,
        updateMask: change.mask,
        ...(change.action === "adopt" && { adoptedBy: change.by }),
        fields: change.fields.map(toFieldEntry),
      };
    case "unchanged":
      return { ...base, source, warnings: messagesOf(change), runId: change.runId, fields: [] };
    case "skip":
      return { ...base, source, warnings: [], fields: [], reason: change.reason };
    case "invalid":
      return {
        ...base,
        source,
        warnings: [],
        fields: [],
        problems: change.problems.map(formatProblem),
      };
    default:
      return change satisfies never;
  }
}

function toFieldEntry(f: FieldChange): FieldEntry {
  return { field: f.label, before: f.before ?? null, after: f.after ?? null };
}

function messagesOf(change: { warnings: { message: string }[] }): string[] {
  return change.warnings.map((w) => w.message);
}
