import type { Column } from "./csv-header.js";
import { NullCells } from "./null-cells.js";
import { checkRunFields, checkRunFieldsBeside, type FieldProblem } from "./run-checks.js";
import type { MetadataSpec, RunSpec, Source } from "./spec.js";
import {
  Invalid,
  type Read,
  readAssets,
  readBooleanText,
  readClientKey,
  readNumberText,
  readRunId,
  readTags,
  readText,
  readTimestamp,
  setOwn,
  splitList,
  trimCell,
} from "./values.js";

export type RowResult =
  | { kind: "blank" }
  | { kind: "run"; spec: RunSpec; warnings?: FieldProblem[] }
  | { kind: "invalid"; clientKey?: string; problems: FieldProblem[] };

/**
 * Reads one CSV row (cells already matched to the header's columns) into a run spec.
 * Cells are trimmed; a blank cell, or one of the source's `nulls`, leaves its field out (not
 * managed). This runs once per row of files with a million rows, so it is plain loops, no
 * schema library.
 */
export function readCsvRow(
  cells: readonly string[],
  columns: Column[],
  source: Source,
  nulls: NullCells = NullCells.NONE,
): RowResult {
  const spec: RunSpec = new CsvRunSpec(source);
  let problems: FieldProblem[] | undefined; // most rows have none: allocate on the first
  let warnings: FieldProblem[] | undefined;
  let blank = true;
  for (let i = 0; i < columns.length; i++) {
    const cell = trimCell(cells[i]!);
    if (cell === "") continue;
    blank = false; // a row of null tokens is not blank: it is a run without a clientKey
    if (nulls.has(cell)) continue;
    const column = columns[i]!;
    const problem =
      column.kind === "metadata"
        ? readMetadataCell(spec, column.key, column.type, cell)
        : readFieldCell(spec, column.field, cell);
    if (problem) {
      problems ??= [];
      problems.push(problem);
    }
    if (column.kind === "field" && isList(column.field) && cell.indexOf(",") !== -1) {
      warnings ??= [];
      warnings.push(listCommaWarning(column.field, cell));
    }
  }
  if (blank) return { kind: "blank" }; // e.g. a spreadsheet's trailing `,,,,` row
  if (spec.clientKey === "" && !problems?.some((p) => p.field === "clientKey")) {
    problems ??= [];
    problems.unshift({ field: "clientKey", message: "is empty (every run needs a clientKey)" });
  }
  if (problems) {
    problems.push(...checkRunFieldsBeside(spec, problems));
    return spec.clientKey === ""
      ? { kind: "invalid", problems }
      : { kind: "invalid", clientKey: spec.clientKey, problems };
  }
  const crossProblems = checkRunFields(spec);
  if (crossProblems.length > 0) {
    return { kind: "invalid", clientKey: spec.clientKey, problems: crossProblems };
  }
  return warnings ? { kind: "run", spec, warnings } : { kind: "run", spec };
}

function isList(field: Extract<Column, { kind: "field" }>["field"]): boolean {
  return field === "tags" || field === "assets";
}

/** `tags: "a,b"` is one tag named `a,b`: most likely meant as two. */
function listCommaWarning(field: string, cell: string): FieldProblem {
  const items = splitList(cell);
  const what = field === "tags" ? "tag" : "asset";
  const suggestion = cell
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .join(";");
  return {
    field,
    message: `${JSON.stringify(cell)} holds "," but list items are separated by ";": read as ${items.length === 1 ? `one ${what}` : `${items.length} ${what}s`} (${items.map((i) => JSON.stringify(i)).join(", ")}); write ${JSON.stringify(suggestion)} for separate ${what}s (in quotes where ";" is also the file's delimiter)`,
  };
}

function readFieldCell(
  spec: RunSpec,
  field: Extract<Column, { kind: "field" }>["field"],
  cell: string,
): FieldProblem | undefined {
  // One switch, no closures, and each store names its property: this runs for every cell
  // of every row, and a computed `spec[field] = ...` store was measurably slower.
  switch (field) {
    case "clientKey": {
      const read = readClientKey(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.clientKey = read;
      return undefined;
    }
    case "runId": {
      const read = readRunId(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.runId = read;
      return undefined;
    }
    case "name": {
      const read = readText(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.name = read;
      return undefined;
    }
    case "description": {
      const read = readText(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.description = read;
      return undefined;
    }
    case "startTime": {
      const read = readTimestamp(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.startTime = read;
      return undefined;
    }
    case "stopTime": {
      const read = readTimestamp(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.stopTime = read;
      return undefined;
    }
    case "assets": {
      const read = readAssets(splitList(cell));
      if (read instanceof Invalid) return { field, message: read.message };
      spec.assets = read;
      return undefined;
    }
    case "tags": {
      const read = readTags(splitList(cell));
      if (read instanceof Invalid) return { field, message: read.message };
      spec.tags = read;
      return undefined;
    }
    case "isPinned": {
      const read = readBooleanText(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.isPinned = read;
      return undefined;
    }
    case "isArchived": {
      const read = readBooleanText(cell);
      if (read instanceof Invalid) return { field, message: read.message };
      spec.isArchived = read;
      return undefined;
    }
    default:
      return field satisfies never;
  }
}

function readMetadataCell(
  spec: RunSpec,
  key: string,
  type: MetadataSpec["type"],
  cell: string,
): FieldProblem | undefined {
  const read: Read<MetadataSpec["value"]> =
    type === "number"
      ? readNumberText(cell)
      : type === "boolean"
        ? readBooleanText(cell)
        : readText(cell);
  if (read instanceof Invalid) return { field: `metadata.${key}`, message: read.message };
  spec.metadata ??= {};
  setOwn(spec.metadata, key, type === undefined ? { value: read } : { value: read, type });
  return undefined;
}

/**
 * Built with `new` rather than as a literal: V8 then reserves room in the object for the
 * fields that rows add one by one, instead of growing a separate store for each row.
 */
class CsvRunSpec {
  clientKey = "";
  constructor(readonly source: Source) {}
}
