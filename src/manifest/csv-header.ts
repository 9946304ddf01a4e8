import { RUN_FIELDS, type RunField, synonymOf, toRunFieldLoosely } from "./field-names.js";
import type { FieldProblem } from "./run-checks.js";
import { METADATA_TYPES, type MetadataType } from "./metadata-spec.js";
import { fieldDef, type NamedField } from "./run-fields.js";
import { suggestName } from "./suggest.js";
import { Invalid, quote, readMetadataKey } from "./values.js";

/** What one CSV column holds. */
export type Column =
  | { kind: "field"; field: CsvField; def: NamedField }
  | { kind: "metadata"; key: string; type?: MetadataType };

export type ColumnPlan = { ok: true; columns: Column[] } | { ok: false; problems: FieldProblem[] };

/** Every field but metadata, which takes one column per key. */
type CsvField = Exclude<RunField, "metadata">;
const CSV_FIELDS = RUN_FIELDS.filter((f): f is CsvField => f !== "metadata");

const METADATA_PREFIX = "metadata.";
const EXPECTED_COLUMNS = `${CSV_FIELDS.join(", ")} or metadata.<key>[:${METADATA_TYPES.join("|")}]`;

/**
 * Reads the header row into the meaning of each column. Any problem makes the whole file
 * unreadable (the rows cannot be trusted to line up), so all header problems are returned
 * together and no rows are read.
 */
export function planColumns(headers: string[]): ColumnPlan {
  const problems: FieldProblem[] = [];
  const columns: Column[] = [];
  const seen = new Map<string, { header: string; index: number }>();
  headers.forEach((raw, index) => {
    const header = raw.trim();
    const column = readColumn(header, index);
    if (!column.ok) {
      problems.push({ field: "header", message: column.message });
      return;
    }
    const identity =
      column.value.kind === "field" ? column.value.field : `metadata.${column.value.key}`;
    const earlier = seen.get(identity);
    if (earlier) {
      problems.push({
        field: "header",
        message: `${quote(header)} (column ${index + 1}) repeats ${quote(earlier.header)} (column ${earlier.index + 1})`,
      });
      return;
    }
    seen.set(identity, { header, index });
    columns.push(column.value);
  });
  if (problems.length === 0 && !seen.has("clientKey")) {
    problems.push({
      field: "header",
      message: "has no clientKey column (expected a column named clientKey or client_key)",
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, columns };
}

function readColumn(
  header: string,
  index: number,
): { ok: true; value: Column } | { ok: false; message: string } {
  if (header === "") return { ok: false, message: `column ${index + 1} has no name` };
  if (header.slice(0, METADATA_PREFIX.length).toLowerCase() === METADATA_PREFIX) {
    return readMetadataColumn(header);
  }
  const field = toRunFieldLoosely(header);
  if (field !== undefined && field !== "metadata")
    return { ok: true, value: { kind: "field", field, def: fieldDef(field) } };
  const suggestion = synonymOf(header) ?? suggestName(header, CSV_FIELDS);
  const hint = suggestion ? `did you mean ${quote(suggestion)}?` : `expected ${EXPECTED_COLUMNS}`;
  return { ok: false, message: `unknown column ${quote(header)} (${hint})` };
}

function readMetadataColumn(
  header: string,
): { ok: true; value: Column } | { ok: false; message: string } {
  const rest = header.slice(METADATA_PREFIX.length);
  const colon = rest.lastIndexOf(":");
  const keyText = colon === -1 ? rest : rest.slice(0, colon);
  const typeText =
    colon === -1
      ? undefined
      : rest
          .slice(colon + 1)
          .trim()
          .toLowerCase();
  if (keyText.trim() === "") {
    return {
      ok: false,
      message: `${quote(header)} names no metadata key (expected metadata.<key>)`,
    };
  }
  const key = readMetadataKey(keyText.trim());
  if (key instanceof Invalid) return { ok: false, message: `${quote(header)}: ${key.message}` };
  if (typeText === undefined) return { ok: true, value: { kind: "metadata", key } };
  if (!(METADATA_TYPES as readonly string[]).includes(typeText)) {
    return {
      ok: false,
      message: `${quote(header)} has an unknown type ${quote(typeText)} (expected string, number or boolean)`,
    };
  }
  return {
    ok: true,
    value: { kind: "metadata", key, type: typeText as MetadataType },
  };
}
