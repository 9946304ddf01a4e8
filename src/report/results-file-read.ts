import { readFileSync } from "node:fs";
import { inCwd } from "../core/cwd-path.js";
import { parse } from "csv-parse/sync";
import { UsageError } from "../core/errors.js";
import { resultsFormatOf } from "./results-file.js";

const NEUTRALISED = /^'[=+\-@\t\r]/;

/** The statuses `--retry-failed` picks up again. */
const RETRY_STATUSES = new Set(["failed", "skipped"]);

/**
 * The clientKeys of the failed and skipped runs in a results file of an earlier apply
 * (`--results FILE`, `.csv` or `.jsonl`), for `--retry-failed FILE`.
 *
 * A last row cut short (the apply was killed, or the disk filled, while writing it) is read as
 * not done: its run is retried when its clientKey is whole. `notes` gets a line about it.
 */
export function readRetryKeys(
  path: string,
  notes: string[] = [],
  /** Where a relative `path` is taken from (the command's directory); default the process's. */
  where: { cwd?: string } = {},
): Set<string> {
  const format = resultsFormatOf(path);
  let text: string;
  try {
    text = readFileSync(inCwd(path, where.cwd), "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--retry-failed ${path}: cannot read it: ${reason}`, { cause: error });
  }
  const keys = new Set<string>();
  const csv = format === "csv";
  const { whole, cut } = splitCutRow(text, csv);
  const rows = csv ? readCsv(path, whole) : readJsonl(path, whole);
  for (const row of rows) {
    if (typeof row.clientKey !== "string" || typeof row.status !== "string") {
      throw new UsageError(
        `--retry-failed ${path}: not a results file of apply (each row needs clientKey and status)`,
      );
    }
    if (!RETRY_STATUSES.has(row.status) || row.clientKey === "") continue;
    addKey(keys, row.clientKey, csv);
  }
  // A CSV cut inside its header has no row to read.
  if (cut.trim() !== "" && (!csv || whole.trim() !== "")) {
    const key = csv ? firstCsvCell(cut) : firstJsonKey(cut);
    if (key !== undefined && key !== "") {
      addKey(keys, key, csv);
      notes.push(
        `--retry-failed ${path}: its last row is cut short (it was being written when the apply stopped): ${JSON.stringify(key)} is retried`,
      );
    } else {
      notes.push(
        `--retry-failed ${path}: its last row is cut short inside its clientKey: that run is not selected; runs missing from a results file are never retried, so run the same command without --retry-failed to be sure`,
      );
    }
  }
  return keys;
}

function addKey(keys: Set<string>, key: string, csv: boolean): void {
  keys.add(key);
  // The CSV neutralised a key that looks like a formula (`=x` as `'=x`): either may be meant.
  if (csv && NEUTRALISED.test(key)) keys.add(key.slice(1));
}

/**
 * The whole rows of a results file, and what follows the last of them: a row cut short, or
 * "". A row ends with a line break outside quotes (CSV quotes with `"`, doubled inside; JSON
 * Lines escape line breaks inside their strings).
 */
export function splitCutRow(text: string, csv: boolean): { whole: string; cut: string } {
  let quoted = false;
  let end = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (csv && c === QUOTE) quoted = !quoted;
    else if (c === LINE_FEED && !quoted) end = i + 1;
  }
  return { whole: text.slice(0, end), cut: text.slice(end) };
}
const QUOTE = 0x22;
const LINE_FEED = 0x0a;

/** The first cell of a CSV record cut short, if that cell is whole (a comma follows it). */
function firstCsvCell(record: string): string | undefined {
  if (!record.startsWith('"')) {
    const comma = record.indexOf(",");
    return comma < 0 ? undefined : record.slice(0, comma);
  }
  const m = /^"((?:[^"]|"")*)",/.exec(record);
  return m ? m[1]!.replace(/""/g, '"') : undefined;
}

/** The clientKey of a JSON line cut short (`{"clientKey":"tv-9","act`), if it is whole. */
function firstJsonKey(line: string): string | undefined {
  const m = /^\s*\{\s*"clientKey"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(line);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]!) as string;
  } catch {
    return undefined;
  }
}

type Row = { clientKey?: unknown; status?: unknown };

function readCsv(path: string, text: string): Row[] {
  try {
    return parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Row[];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--retry-failed ${path}: ${reason}`, { cause: error });
  }
}

function readJsonl(path: string, text: string): Row[] {
  const rows: Row[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      rows.push(JSON.parse(line) as Row);
    } catch {
      throw new UsageError(`--retry-failed ${path}:${i + 1}: not a JSON line`);
    }
  }
  return rows;
}
