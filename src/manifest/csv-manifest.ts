import type { Problem } from "../core/errors.js";
import { type Column, planColumns } from "./csv-header.js";
import { readCsvRecords } from "./csv-records.js";
import { readCsvRow } from "./csv-row.js";
import { locateProblems, type ManifestItem } from "./manifest-item.js";

/**
 * Reads a CSV manifest: a header row, then one run per row. `path` is where to read,
 * `file` is how messages name it (as the user wrote it). A header-only file is valid and
 * holds no runs (a nightly export of nothing); a file without even a header is an error.
 */
export async function* readCsvManifest(path: string, file: string): AsyncGenerator<ManifestItem[]> {
  let columns: Column[] | undefined;
  let sawHeader = false;
  for await (const records of readCsvRecords(path)) {
    const items: ManifestItem[] = [];
    for (const record of records) {
      if (record.kind === "problem") {
        const problem: Problem = { file, line: record.line, message: record.message };
        if (record.column !== undefined) problem.column = record.column;
        items.push({ kind: "problem", problem });
        if (sawHeader) continue;
        yield items;
        return; // the header itself is unreadable
      }
      if (!sawHeader) {
        sawHeader = true;
        const plan = planColumns(record.cells);
        if (!plan.ok) {
          const source = { file, line: record.line };
          for (const problem of locateProblems(source, plan.problems)) {
            items.push({ kind: "problem", problem });
          }
          yield items;
          return; // without a trustworthy header, rows cannot be read
        }
        columns = plan.columns;
        continue;
      }
      if (columns === undefined) continue;
      const source = { file, line: record.line };
      if (record.cells.length !== columns.length) {
        const hint =
          record.cells.length > columns.length ? " (quote cells that contain commas)" : "";
        items.push({
          kind: "invalid-run",
          source,
          problems: [
            {
              file,
              line: record.line,
              message: `row has ${record.cells.length} cells but the header has ${columns.length}${hint}`,
            },
          ],
        });
        continue;
      }
      const row = readCsvRow(record.cells, columns, source);
      if (row.kind === "run") items.push(row);
      else if (row.kind === "invalid") {
        const item: ManifestItem = {
          kind: "invalid-run",
          source,
          problems: locateProblems(source, row.problems),
        };
        if (row.clientKey !== undefined) item.clientKey = row.clientKey;
        items.push(item);
      }
    }
    if (items.length > 0) yield items;
  }
  if (!sawHeader) {
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
