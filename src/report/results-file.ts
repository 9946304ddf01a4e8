import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { extname } from "node:path";
import { inCwd } from "../core/cwd-path.js";
import { UsageError } from "../core/errors.js";
import { redactDeep } from "../core/secrets.js";
import { plural } from "../core/words.js";
import { neutraliseCell } from "./cells.js";

/** One manifest run's outcome, as `apply --results FILE` records it (contract §5). */
export interface ResultRow {
  clientKey: string;
  /** `unplanned`: the apply stopped before it reached (and planned) this run. */
  action:
    | "create"
    | "update"
    | "adopt"
    | "archive"
    | "unarchive"
    | "unchanged"
    | "invalid"
    | "skip"
    | "unplanned";
  status: "ok" | "failed" | "skipped";
  runId?: string;
  updateMask?: string[];
  /** The API's message, or why the run was skipped. */
  error?: string;
  /** `runs.csv:10`; "" for an archived run (no manifest holds it). */
  source: string;
}

export interface ResultsWriter {
  /**
   * Appends one row; it reaches the file before `write` returns (it survives a crash). When
   * the file takes no more (a full disk), it throws a UsageError, and again for every later
   * row: the file ends on its last whole row.
   */
  write(row: ResultRow): void;
  close(): Promise<void>;
}

export type ResultsFormat = "csv" | "jsonl";

const COLUMNS = [
  "clientKey",
  "action",
  "status",
  "runId",
  "updateMask",
  "error",
  "source",
] as const;

/** `.csv` or `.jsonl` (any case); anything else is a UsageError, raised before any work starts. */
export function resultsFormatOf(path: string): ResultsFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl") return "jsonl";
  throw new UsageError(
    `--results ${path}: the file name must end in .csv or .jsonl (the extension picks the format)`,
  );
}

/**
 * Opens (truncates) the results file and writes each row as it comes, so a run that is
 * interrupted leaves the rows done so far. CSV cells are RFC 4180 quoted and safe to open in
 * a spreadsheet; JSONL has one JSON object per line.
 *
 * @example
 * const results = createResultsWriter("results.csv");
 * results.write({ clientKey: "tv-001", action: "create", status: "ok", runId, source: "runs.csv:2" });
 * await results.close();
 */
export function createResultsWriter(
  path: string,
  /** Where a relative `path` is taken from (the command's directory); default the process's. */
  where: { cwd?: string } = {},
): ResultsWriter {
  const format = resultsFormatOf(path);
  const fd = attempt(path, () => openSync(inCwd(path, where.cwd), "w"));
  const encode = format === "csv" ? formatCsvRow : formatJsonRow;
  let open = true;
  /** Bytes of the whole rows (and header) on disk, and the rows among them. */
  let whole = 0;
  let rows = 0;
  let broken: UsageError | undefined;
  // NOTE: one synchronous write per row: rows are small, and a row written is on disk even if
  // the process is killed right after (the point of a results file for an interrupted apply).
  const writeWhole = (text: string) => {
    if (broken) throw broken;
    const bytes = Buffer.from(text, "utf8");
    try {
      for (let done = 0; done < bytes.length;) {
        const n = writeSync(fd, bytes, done);
        if (n <= 0) throw new Error("the file took no more bytes");
        done += n;
      }
    } catch (error) {
      // A full disk (ENOSPC) may take part of a row: cut the file back to its last whole row,
      // so a reader never meets half a row, and refuse every later row.
      try {
        ftruncateSync(fd, whole);
      } catch {
        // not a regular file (/dev/full): nothing to cut
      }
      const reason = error instanceof Error ? error.message : String(error);
      broken = new UsageError(
        `cannot write the results file ${path}: ${reason}; it holds the first ${plural(rows, "row")}, each whole`,
        { cause: error },
      );
      throw broken;
    }
    whole += bytes.length;
  };
  if (format === "csv") writeWhole(`${COLUMNS.join(",")}\r\n`);
  return {
    write(row) {
      if (!open) throw new Error(`results file ${path} is closed`);
      // The key never reaches the file, not even in a manifest's cell (secrets.ts).
      writeWhole(encode(redactDeep(row)));
      rows++;
    },
    async close() {
      if (!open) return;
      open = false;
      attempt(path, () => closeSync(fd));
    },
  };
}

/** One CSV record (CRLF-terminated, as RFC 4180 has it). */
function formatCsvRow(row: ResultRow): string {
  const cells = [
    row.clientKey,
    row.action,
    row.status,
    row.runId ?? "",
    row.updateMask?.join(",") ?? "",
    row.error ?? "",
    row.source,
  ];
  return `${cells.map((c) => quoteCsv(neutraliseCell(c))).join(",")}\r\n`;
}

/** One JSON line; absent values are left out. */
function formatJsonRow(row: ResultRow): string {
  const ordered = Object.fromEntries(COLUMNS.map((k) => [k, row[k]]));
  return `${JSON.stringify(ordered)}\n`;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function quoteCsv(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function attempt<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot write the results file ${path}: ${reason}`, { cause: error });
  }
}
