import { stringify } from "yaml";
import { redactDeep } from "../core/secrets.js";
import { type MetadataType, SPEC_FIELDS, type SpecField } from "../manifest/spec.js";
import type { TextSink } from "../report/plan-report.js";
import type { ExportRow } from "./run-to-row.js";

/** Writes rows as they come: nothing is held beyond the current row. */
export interface RowWriter {
  write(row: ExportRow): void;
  end(): void;
}

/** The fields of a CSV export, in column order; metadata columns follow. */
const CSV_FIELDS = [
  "clientKey",
  "runId",
  ...SPEC_FIELDS.filter((f): f is Exclude<SpecField, "metadata"> => f !== "metadata"),
] as const;

export interface MetadataColumn {
  key: string;
  type: MetadataType;
}

/**
 * A CSV manifest: the header (fixed fields, then `metadata.<key>:<type>` for each column),
 * then one line per row. A blank cell is a field the row does not manage; `;` alone is an
 * empty list. Every metadata column carries its type, so a key holding `:` reads back whole
 * (`metadata.a:b:string` is key `a:b`).
 */
export function createCsvWriter(out: TextSink, columns: readonly MetadataColumn[]): RowWriter {
  const index = new Map(columns.map((c, i) => [c.key, i]));
  const header = [...CSV_FIELDS, ...columns.map((c) => `metadata.${c.key}:${c.type}`)];
  out.write(csvLine(header));
  return {
    write(given) {
      const row = redactDeep(given); // before quoting, which would hide a key from the stream's redaction
      const cells = CSV_FIELDS.map((field) => csvValue(row[field]));
      const metadata = new Array<string>(columns.length).fill("");
      for (const m of row.metadata) {
        const i = index.get(m.key);
        if (i !== undefined) metadata[i] = String(m.value);
      }
      out.write(csvLine([...cells, ...metadata]));
    },
    end() {},
  };
}

function csvValue(value: ExportRow[(typeof CSV_FIELDS)[number]]): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.length === 0 ? ";" : value.join(";");
  return String(value);
}

/**
 * RFC 4180 quoting, also for the other delimiters a reader may sniff (`;`, tab, `|`): a quoted
 * cell means the same, and a sniffer never counts a delimiter inside one.
 */
function csvLine(cells: string[]): string {
  return (
    cells.map((c) => (/[",;|\t\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",") + "\n"
  );
}

/**
 * A YAML manifest: a list of runs, one list item written per row (so it streams). Metadata
 * values keep their YAML type (number, boolean, string), which is their key's type.
 */
export function createYamlWriter(out: TextSink): RowWriter {
  let rows = 0;
  return {
    write(row) {
      rows++;
      // Before YAML quotes or folds a value, which would hide a key from the stream's redaction.
      out.write(stringify([toYamlRun(redactDeep(row))], YAML_OPTIONS));
    },
    end() {
      if (rows === 0) out.write("[]\n");
    },
  };
}

// NOTE: no block scalars: yaml 2.9 writes " \n" as a `|+` block that reads back as "\n".
const YAML_OPTIONS = { lineWidth: 0, blockQuote: false } as const;

function toYamlRun(row: ExportRow): Record<string, unknown> {
  const run: Record<string, unknown> = {};
  for (const field of CSV_FIELDS) {
    if (row[field] !== undefined) run[field] = row[field];
  }
  if (row.metadata.length > 0) {
    const metadata: Record<string, unknown> = {};
    for (const m of row.metadata) {
      // defineProperty: a key named `__proto__` must stay an ordinary key.
      Object.defineProperty(metadata, m.key, { value: m.value, enumerable: true });
    }
    run.metadata = metadata;
  }
  return run;
}
