import { RUN_FIELDS, type RunField } from "../../src/manifest/field-names.js";
import type { MetadataSpec, RunSpec } from "../../src/manifest/spec.js";

/** Every field but metadata, which takes one column per key. */
type CsvField = Exclude<RunField, "metadata">;
const CSV_FIELDS = RUN_FIELDS.filter((f): f is CsvField => f !== "metadata");

/**
 * A CSV manifest for `specs`. Absent fields are blank cells. Lists are `;`-joined (an
 * empty list is `;`). Metadata gets one column per key, suffixed with the declared type
 * when there is one. CSV cannot hold everything YAML can: empty strings (a blank cell means
 * "not managed"), surrounding spaces (cells are trimmed), `;` inside a tag or asset, or an
 * untyped number/boolean (it comes back as a string): those are written as best they can be.
 */
export function renderCsv(specs: RunSpec[]): string {
  const fields = CSV_FIELDS.filter((f) => specs.some((s) => s[f] !== undefined));
  const metadataColumns = new Map<string, string>(); // header → key
  for (const spec of specs) {
    for (const [key, entry] of Object.entries(spec.metadata ?? {})) {
      metadataColumns.set(metadataHeader(key, entry), key);
    }
  }
  const headers = [...fields, ...metadataColumns.keys()];
  const rows = specs.map((spec) => [
    ...fields.map((f) => renderCsvValue(spec[f])),
    ...[...metadataColumns].map(([header, key]) => {
      const entry =
        spec.metadata && Object.hasOwn(spec.metadata, key) ? spec.metadata[key] : undefined;
      return entry && metadataHeader(key, entry) === header ? String(entry.value) : "";
    }),
  ]);
  return [headers, ...rows].map((cells) => cells.map(escapeCsvCell).join(",")).join("\n") + "\n";
}

function metadataHeader(key: string, entry: MetadataSpec): string {
  return entry.type === undefined ? `metadata.${key}` : `metadata.${key}:${entry.type}`;
}

function renderCsvValue(value: RunSpec[CsvField]): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.length === 0 ? ";" : value.join(";");
  return String(value);
}

function escapeCsvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}
