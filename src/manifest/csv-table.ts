import type { Problem } from "../core/errors.js";
import { type CsvDelimiter, type CsvDialect, DEFAULT_CSV_DIALECT } from "./csv-dialect.js";
import { isPlain, markPlain } from "../core/plain-text.js";
import { readCsvRecords } from "./csv-records.js";
import type { LineReading } from "./file-skips.js";
import { MAX_RECORD_WIDTH, tooManyColumns } from "./json-limits.js";

/**
 * A CSV file as a table: its header, then records whose cells line up with the header's
 * names. This is the layer a column mapping reads (a sync config's `fields:`); our own
 * column names are read on top of it by readCsvManifest.
 *
 * @example
 * for await (const batch of readCsvTable("exports/stand.csv", "stand.csv", { ...DEFAULT_CSV_DIALECT, delimiter: ";" })) {
 *   for (const item of batch) if (item.kind === "record") console.log(item.record.line, item.record.values["Test ID"]);
 * }
 */
export interface CsvHeader {
  /** The line the header is on (after any skipped lines). */
  line: number;
  /**
   * The column names, trimmed, in order. Trailing unnamed columns (a spreadsheet's `,,,`)
   * are left out: their cells must be blank, else the row is an `invalid-record`.
   */
  names: string[];
  delimiter: CsvDelimiter;
  /** The encoding the file was decoded with (a byte-order mark beats the dialect's). */
  encoding: string;
  /**
   * Set when the delimiter was given (not `auto`) and the header splits into more columns
   * with this one: a `;` file read as `,` has one giant column, and this says why.
   */
  looksLike?: CsvDelimiter;
}

/** One data row: `cells[i]` is the untrimmed text under `header.names[i]`. */
class CsvRecord {
  constructor(
    readonly line: number,
    readonly cells: readonly string[],
    readonly header: CsvHeader,
    /** Of its text, with a LineReading (csv-records.ts). */
    readonly hash?: number,
  ) {}

  /** The row as column name → cell text (untrimmed). Built on each access: keep it. */
  get values(): Record<string, string> {
    const values: Record<string, string> = Object.create(null) as Record<string, string>;
    const { names } = this.header;
    for (let i = 0; i < names.length; i++) values[names[i]!] ??= this.cells[i]!;
    return values;
  }
}

export type CsvTableItem =
  | { kind: "header"; header: CsvHeader }
  | { kind: "record"; record: CsvRecord }
  | { kind: "stub"; line: number; entry: number; hash: number }
  /** A row whose cells do not line up with the header: it counts as a run that is invalid. */
  | { kind: "invalid-record"; line: number; problem: Problem }
  /**
   * A problem that is not a row (CSV syntax). Before the header it ends the file: nothing
   * after it is yielded.
   */
  | { kind: "problem"; problem: Problem };

/**
 * Streams `path` as a table, in batches. `file` is how messages name the file. A file
 * without a header yields an "is empty" problem; a header with an unnamed column in the
 * middle, or a name used twice, yields its problems and stops (rows cannot be trusted to
 * line up).
 */
export async function* readCsvTable(
  path: string,
  file: string,
  dialect: CsvDialect = DEFAULT_CSV_DIALECT,
  lines?: LineReading,
): AsyncGenerator<CsvTableItem[]> {
  let header: CsvHeader | undefined;
  let width = 0; // the header's cells, named or not
  let format: { delimiter: CsvDelimiter; encoding: string; sniffed: CsvDelimiter } | undefined;
  for await (const records of readCsvRecords(path, dialect, lines)) {
    const items: CsvTableItem[] = [];
    // Indexed: a for-of makes an iterator result per row until V8 has optimized the loop.
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (record.kind === "dialect") {
        format = record;
        continue;
      }
      if (record.kind === "stub") {
        items.push(record); // after the header, which seeds the lines' hashes
        continue;
      }
      if (record.kind === "problem") {
        const problem: Problem = { file, line: record.line, message: record.message };
        if (record.column !== undefined) problem.column = record.column;
        items.push({ kind: "problem", problem });
        if (header) continue;
        yield items;
        return; // the header itself is unreadable
      }
      if (header === undefined) {
        const read = readHeader(record.cells, record.line, file, format!);
        if (!read.ok) {
          for (const problem of read.problems) items.push({ kind: "problem", problem });
          yield items;
          return;
        }
        header = read.header;
        width = record.cells.length;
        items.push({ kind: "header", header });
        continue;
      }
      const { cells, line, hash } = record;
      const named = header.names.length;
      if (cells.length === named) {
        items.push({ kind: "record", record: new CsvRecord(line, cells, header, hash) });
        continue;
      }
      const misfit = describeMisfit(cells, named, width, header.delimiter);
      if (misfit === undefined) {
        const record = new CsvRecord(line, cells.slice(0, named), header, hash);
        items.push({ kind: "record", record });
      } else {
        items.push({ kind: "invalid-record", line, problem: { file, line, message: misfit } });
      }
    }
    if (isPlain(records)) markPlain(items);
    if (items.length > 0) yield items;
  }
  if (header === undefined) {
    yield [
      {
        kind: "problem",
        problem: {
          file,
          line: 1,
          message: "is empty (expected a header row, e.g. clientKey,name,startTime,stopTime)",
        },
      },
    ];
  }
}

function readHeader(
  cells: string[],
  line: number,
  file: string,
  format: { delimiter: CsvDelimiter; encoding: string; sniffed: CsvDelimiter },
): { ok: true; header: CsvHeader } | { ok: false; problems: Problem[] } {
  let width = cells.length;
  while (width > 0 && cells[width - 1]!.trim() === "") width--;
  if (width > MAX_RECORD_WIDTH) {
    return {
      ok: false,
      problems: [{ file, line, field: "header", message: tooManyColumns(width) }],
    };
  }
  const names = cells.slice(0, width).map((cell) => cell.trim());
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === "") {
      problems.push({ file, line, field: "header", message: `column ${index + 1} has no name` });
      return;
    }
    const earlier = seen.get(name);
    if (earlier === undefined) seen.set(name, index);
    else {
      problems.push({
        file,
        line,
        field: "header",
        message: `${JSON.stringify(name)} (column ${index + 1}) repeats ${JSON.stringify(name)} (column ${earlier + 1})`,
      });
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  const header: CsvHeader = {
    line,
    names,
    delimiter: format.delimiter,
    encoding: format.encoding,
  };
  if (format.sniffed !== format.delimiter && names.length < countCells(cells, format.sniffed)) {
    header.looksLike = format.sniffed;
  }
  return { ok: true, header };
}

function countCells(cells: string[], delimiter: string): number {
  return cells.reduce((n, cell) => n + cell.split(delimiter).length, 0);
}

/** Why a row with a different number of cells than named columns cannot be read, if so. */
function describeMisfit(
  cells: readonly string[],
  named: number,
  width: number,
  delimiter: CsvDelimiter,
): string | undefined {
  if (cells.length > named && cells.length <= width) {
    // Under the header's unnamed trailing columns: fine while blank.
    const filled = cells.findIndex((cell, i) => i >= named && cell.trim() !== "");
    if (filled === -1) return undefined;
    return `cell ${filled + 1} holds ${JSON.stringify(cells[filled]!.trim())} but its column has no name in the header (name the column, or clear the cell)`;
  }
  const separator = delimiter === "," ? "commas" : delimiter === "\t" ? "tabs" : `"${delimiter}"`;
  const hint = cells.length > named ? ` (quote cells that contain ${separator})` : "";
  return `row has ${cells.length} cells but the header has ${named}${hint}`;
}
