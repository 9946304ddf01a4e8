import type { Problem } from "../core/errors.js";
import { type CsvDialect, DEFAULT_CSV_DIALECT, describeDelimiter } from "./csv-dialect.js";
import { type Column, planColumns } from "./csv-header.js";
import { readCsvRow } from "./csv-row.js";
import { type CsvHeader, readCsvTable } from "./csv-table.js";
import { lineStubItem, type LineReading, withLineHash } from "./file-skips.js";
import { locateProblems, type ManifestItem } from "./manifest-item.js";
import { NullCells } from "./null-cells.js";

/**
 * Reads a CSV manifest: a header row of our own column names, then one run per row.
 * `path` is where to read, `file` is how messages name it (as the user wrote it). A
 * header-only file is valid and holds no runs (a nightly export of nothing); a file
 * without even a header is an error. Cells in `nulls` count as blank (a sync config's
 * `nulls:`).
 */
export async function* readCsvManifest(
  path: string,
  file: string,
  dialect: CsvDialect = DEFAULT_CSV_DIALECT,
  nulls: NullCells = NullCells.NONE,
  lines?: LineReading,
): AsyncGenerator<ManifestItem[]> {
  let columns: Column[] | undefined;
  for await (const batch of readCsvTable(path, file, dialect, lines)) {
    const items: ManifestItem[] = [];
    for (const item of batch) {
      switch (item.kind) {
        case "problem":
          items.push(item);
          break;
        case "header": {
          const plan = planColumns(item.header.names);
          if (!plan.ok) {
            const source = { file, line: item.header.line };
            const problems = locateProblems(source, plan.problems);
            for (const problem of explainDelimiter(item.header, file) ?? problems) {
              items.push({ kind: "problem", problem });
            }
            yield items;
            return; // without a trustworthy header, rows cannot be read
          }
          columns = plan.columns;
          break;
        }
        case "invalid-record": {
          const source = { file, line: item.line };
          items.push({ kind: "invalid-run", source, problems: [item.problem] });
          break;
        }
        case "stub":
          items.push(lineStubItem(lines!, item.entry, { file, line: item.line }, item.hash));
          break;
        case "record": {
          const { record } = item;
          const source = { file, line: record.line };
          const row = readCsvRow(record.cells, columns!, source, nulls);
          if (row.kind === "run") {
            // NOTE: a line read with a warning keeps no hash: as a stub, it would not warn again.
            if (record.hash !== undefined && row.warnings === undefined)
              withLineHash(row.spec, record.hash);
            items.push(row);
            if (row.warnings) {
              for (const problem of locateProblems(source, row.warnings)) {
                items.push({ kind: "warning", problem });
              }
            }
          } else if (row.kind === "invalid") {
            const invalid: ManifestItem = {
              kind: "invalid-run",
              source,
              problems: locateProblems(source, row.problems),
            };
            if (row.clientKey !== undefined) invalid.clientKey = row.clientKey;
            items.push(invalid);
          }
          break;
        }
        default:
          item satisfies never;
      }
    }
    if (items.length > 0) yield items;
  }
}

/** One problem instead of one giant unknown column when the file uses another delimiter. */
function explainDelimiter(header: CsvHeader, file: string): Problem[] | undefined {
  if (header.looksLike === undefined) return undefined;
  const used = describeDelimiter(header.delimiter);
  const likely = describeDelimiter(header.looksLike);
  const flag = header.looksLike === "\t" ? "tab" : `"${header.looksLike}"`;
  return [
    {
      file,
      line: header.line,
      field: "header",
      message: `read with ${used} as the delimiter, the header has ${header.names.length === 1 ? "a single column" : `only ${header.names.length} columns`}, but it looks ${likely}-separated (leave --delimiter at auto, or give --delimiter ${flag})`,
    },
  ];
}
