import type { Column } from "./csv-header.js";
import { NullCells } from "./null-cells.js";
import { checkRunFields, checkRunFieldsBeside, type FieldProblem } from "./run-checks.js";
import type { NamedField, ReadKind } from "./run-fields.js";
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
        : readFieldCell(spec, column.def, cell);
    if (problem) {
      problems ??= [];
      problems.push(problem);
    }
    if (column.kind === "field" && isList(column.def) && cell.indexOf(",") !== -1) {
      warnings ??= [];
      warnings.push(listCommaWarning(column.def, cell));
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
    return { kind: "invalid", clientKey: spec.clientKey, problems: [...crossProblems] };
  }
  return warnings ? { kind: "run", spec, warnings } : { kind: "run", spec };
}

function isList(def: NamedField): boolean {
  return def.read === "tags" || def.read === "assets";
}

/** `tags: "a,b"` is one tag named `a,b`: most likely meant as two. */
function listCommaWarning(def: NamedField, cell: string): FieldProblem {
  const field = def.name;
  const items = splitList(cell);
  const what = def.read === "tags" ? "tag" : "asset";
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

/** One case per kind of value (run-fields.ts), and one store, the field's own. */
function readFieldCell(spec: RunSpec, def: NamedField, cell: string): FieldProblem | undefined {
  const read = readCell(def.read, cell);
  if (read instanceof Invalid) return { field: def.name, message: read.message };
  def.set(spec, read);
  return undefined;
}

/** A cell is never blank here: a name reads as any text. */
function readCell(kind: ReadKind, cell: string): Read<unknown> {
  switch (kind) {
    case "clientKey":
      return readClientKey(cell);
    case "runId":
      return readRunId(cell);
    case "name":
    case "text":
      return readText(cell);
    case "timestamp":
      return readTimestamp(cell);
    case "assets":
      return readAssets(splitList(cell));
    case "tags":
      return readTags(splitList(cell));
    case "boolean":
      return readBooleanText(cell);
    case "metadata":
      return new Invalid("takes one column per key (metadata.<key>)"); // planColumns never maps it
    default:
      return kind satisfies never;
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
