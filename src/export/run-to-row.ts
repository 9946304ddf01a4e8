import { checkRunFields } from "../manifest/run-checks.js";
import { BOOLEAN_FIELDS, type BooleanField, fieldDef } from "../manifest/run-fields.js";
import type { MetadataType } from "../manifest/index.js";
import {
  checkWholeCharacters,
  Invalid,
  readClientKey,
  readMetadataKey,
  readText,
  readTimestamp,
} from "../manifest/values.js";
import type { Timestamp } from "../time/timestamp.js";
import { readMetadataEntry, type TypedValue } from "../sift/metadata-entry.js";
import { METADATA_KEY_TYPES, type Run } from "../sift/schemas.js";

/**
 * One Sift run as a manifest row, in the manifest's own vocabulary. Pure: the caller gives the
 * asset names and the key. A field the format cannot hold exactly is left out (not managed,
 * so `plan` leaves it as Sift has it) and the omission is reported, never silently.
 */

export type ExportFormat = "csv" | "yaml";

interface ExportMetadata {
  key: string;
  type: MetadataType;
  value: string | number | boolean;
}

export type ExportRow = {
  clientKey: string;
  /** Only for a run that had no clientKey: `plan` adopts it under the generated key. */
  runId?: string;
  name?: string;
  description?: string;
  startTime?: string;
  stopTime?: string;
  assets?: string[];
  tags?: string[];
  /** Sorted by key. */
  metadata: ExportMetadata[];
} & {
  /** The boolean fields (run-fields.ts): every run has each, so every row writes it. */
  [K in BooleanField]: boolean;
};

/** A field of a run that was not written, and why: `name` / `has leading or trailing spaces`. */
interface Omission {
  field: string;
  reason: string;
}

/**
 * A metadata entry no manifest can express, left out: a relation value, or one of a type or
 * shape this tool does not know. `plan` keeps such entries as Sift has them (merge and replace).
 */
export interface UnmanagedMetadata {
  key: string;
  relation: boolean;
}

export type RowOutcome =
  | { kind: "row"; row: ExportRow; omitted: Omission[]; unmanaged: UnmanagedMetadata[] }
  | { kind: "skipped"; reason: string };

export interface RowContext {
  format: ExportFormat;
  /** The key to write: the run's own, or a generated one (then `runId` is written too). */
  clientKey: string;
  generated: boolean;
  /** Asset id → name, for the ids of this run that exist. */
  assetNames: ReadonlyMap<string, string>;
  /** Archived asset id → its name, which a live asset now holds (a manifest name means that one). */
  reusedAssetNames?: ReadonlyMap<string, string>;
  /** CSV only: the metadata keys that have a column (the header is written first). */
  metadataColumns?: ReadonlySet<string>;
}

const TYPE_OF_WIRE: Record<string, MetadataType> = {
  [METADATA_KEY_TYPES.string]: "string",
  [METADATA_KEY_TYPES.number]: "number",
  [METADATA_KEY_TYPES.boolean]: "boolean",
};

type TimeFields = { startTime?: Timestamp; stopTime?: Timestamp; assets?: string[] };

const CSV_TRIMS =
  "has leading or trailing spaces, which a CSV cell loses (--format yaml keeps them)";

export function runToRow(run: Run, context: RowContext): RowOutcome {
  const { format } = context;
  const keyProblem = checkKey(context.clientKey, format);
  if (keyProblem !== undefined) return { kind: "skipped", reason: `clientKey ${keyProblem}` };
  const omitted: Omission[] = [];
  const row: ExportRow = {
    clientKey: context.clientKey,
    ...(context.generated && { runId: run.runId }),
    ...flagsOf(run),
    metadata: [],
  };
  const name = checkText(run.name, format, { required: true });
  if (name === undefined) row.name = run.name;
  else omitted.push({ field: "name", reason: name });
  // NOTE: an empty description is left out in both formats (CSV cannot write one): not managed.
  if (run.description !== "") {
    const problem = checkText(run.description, format, { required: false });
    if (problem === undefined) row.description = run.description;
    else omitted.push({ field: "description", reason: problem });
  }
  for (const field of ["startTime", "stopTime"] as const) {
    const value = run[field];
    if (value === undefined) continue;
    if (readTimestamp(value) instanceof Invalid) {
      omitted.push({ field, reason: "is not a timestamp the manifest reads" });
    } else row[field] = value;
  }
  const tags = checkNames(run.tags, format);
  if (typeof tags === "string") omitted.push({ field: "tags", reason: tags });
  else row.tags = [...tags].sort();
  if (run.assetIds.length > 0) addAssets(row, run.assetIds, context, omitted);
  const unmanaged: UnmanagedMetadata[] = [];
  for (const m of [...run.metadata].sort((a, b) => compareText(a.key.name, b.key.name))) {
    const reading = readMetadataEntry(m);
    if (reading.kind !== "typed") {
      unmanaged.push({ key: m.key.name, relation: reading.kind === "relation" });
      continue;
    }
    const entry = toExportMetadata(m.key.name, reading.typed, context);
    if ("reason" in entry) omitted.push({ field: `metadata.${m.key.name}`, reason: entry.reason });
    else row.metadata.push(entry);
  }
  // Last resort: the manifest's own cross-field checks (Sift should never break them).
  const times = { startTime: row.startTime, stopTime: row.stopTime, assets: row.assets };
  for (const problem of checkRunFields({ clientKey: row.clientKey, ...(times as TimeFields) })) {
    const field = problem.field === "stopTime" ? "stopTime" : "assets";
    delete row[field];
    omitted.push({ field, reason: problem.message });
  }
  return { kind: "row", row, omitted, unmanaged };
}

function flagsOf(run: Run): Record<BooleanField, boolean> {
  const wire = run as unknown as Record<string, boolean>;
  return Object.fromEntries(BOOLEAN_FIELDS.map((f) => [f, wire[fieldDef(f).wire]!])) as Record<
    BooleanField,
    boolean
  >;
}

function addAssets(row: ExportRow, ids: string[], context: RowContext, omitted: Omission[]) {
  const names: string[] = [];
  for (const id of ids) {
    const name = context.assetNames.get(id);
    if (name === undefined && context.reusedAssetNames?.has(id)) {
      omitted.push({
        field: "assets",
        reason:
          "holds an archived asset whose name a live asset now has (a manifest's asset name means the live one)",
      });
      return;
    }
    if (name === undefined) {
      omitted.push({ field: "assets", reason: "holds an asset id ListAssets does not list" });
      return;
    }
    names.push(name);
  }
  if (row.startTime === undefined || row.stopTime === undefined) {
    // NOTE: a manifest run with assets is created with CreateAdhocRun, which needs both times.
    omitted.push({
      field: "assets",
      reason: "the run has no stopTime, and a manifest run with assets needs both times",
    });
    return;
  }
  const problem = checkNames(names, context.format);
  if (typeof problem === "string") omitted.push({ field: "assets", reason: problem });
  else row.assets = [...new Set(names)];
}

function toExportMetadata(
  key: string,
  typed: TypedValue,
  context: RowContext,
): ExportMetadata | { reason: string } {
  const type = TYPE_OF_WIRE[typed.type]!;
  const keyProblem = checkMetadataKey(key, context.format);
  if (keyProblem !== undefined) return { reason: keyProblem };
  if (context.metadataColumns !== undefined && !context.metadataColumns.has(key)) {
    return {
      reason:
        "its key has no CSV column: ListMetadataKeys did not list it when the header was written (created since, or archived; --format yaml needs no columns)",
    };
  }
  switch (type) {
    case "number": {
      const value = typed.value as number;
      return Number.isFinite(value) ? { key, type, value } : { reason: `${value} is not finite` };
    }
    case "boolean":
      return { key, type, value: typed.value as boolean };
    case "string": {
      const value = typed.value as string;
      if (context.format === "csv" && value === "") {
        return { reason: "is empty, which a CSV cell cannot say (--format yaml can)" };
      }
      const problem = checkText(value, context.format, { required: false });
      return problem === undefined ? { key, type, value } : { reason: problem };
    }
    default:
      return type satisfies never;
  }
}

/** Why `key` cannot be written as a clientKey in `format`, or undefined when it can. */
function checkKey(key: string, format: ExportFormat): string | undefined {
  const read = checkWholeCharacters(key) ?? readClientKey(key);
  if (read instanceof Invalid) return read.message;
  if (format === "csv" && key !== key.trim()) return CSV_TRIMS;
  return undefined;
}

/** Why a metadata key cannot be a CSV column or a YAML key, or undefined when it can. */
export function checkMetadataKey(key: string, format: ExportFormat): string | undefined {
  const read = checkWholeCharacters(key) ?? readMetadataKey(key);
  if (read instanceof Invalid) return `key: ${read.message}`;
  if (format === "csv" && key !== key.trim()) return `key ${CSV_TRIMS}`;
  return undefined;
}

function checkText(
  value: string,
  format: ExportFormat,
  options: { required: boolean },
): string | undefined {
  if (options.required && value.trim() === "") return "is blank (a manifest name cannot be)";
  const read = checkWholeCharacters(value) ?? readText(value);
  if (read instanceof Invalid) return read.message;
  if (format === "csv" && value !== value.trim()) return CSV_TRIMS;
  return undefined;
}

/** Tags and asset names: each non-blank, whole, and (CSV) without `;` or outer spaces. */
function checkNames(names: string[], format: ExportFormat): string[] | string {
  for (const name of names) {
    if (name.trim() === "") return "holds a blank name";
    const broken = checkWholeCharacters(name) ?? readText(name);
    if (broken instanceof Invalid) return "holds a name that is too long or not whole text";
    if (/[\u0000-\u001f\u007f]/.test(name)) return "holds a name with a control character";
    if (format === "csv" && name.includes(";")) {
      return 'holds a name with ";", the CSV list separator (--format yaml keeps it)';
    }
    if (format === "csv" && name !== name.trim()) return CSV_TRIMS;
  }
  return names;
}

/** Code-unit order: stable across machines and locales. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
