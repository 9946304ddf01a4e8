import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { UsageError } from "../core/errors.js";
import { resultsFormatOf } from "./results-file.js";

const NEUTRALISED = /^'[=+\-@\t\r]/;

/** The statuses `--retry-failed` picks up again. */
const RETRY_STATUSES = new Set(["failed", "skipped"]);

/**
 * The clientKeys of the failed and skipped runs in a results file of an earlier apply
 * (`--results FILE`, `.csv` or `.jsonl`), for `--retry-failed FILE`.
 */
export function readRetryKeys(path: string): Set<string> {
  const format = resultsFormatOf(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--retry-failed ${path}: cannot read it: ${reason}`, { cause: error });
  }
  const keys = new Set<string>();
  const csv = format === "csv";
  const rows = csv ? readCsv(path, text) : readJsonl(path, text);
  for (const row of rows) {
    if (typeof row.clientKey !== "string" || typeof row.status !== "string") {
      throw new UsageError(
        `--retry-failed ${path}: not a results file of apply (each row needs clientKey and status)`,
      );
    }
    if (!RETRY_STATUSES.has(row.status) || row.clientKey === "") continue;
    keys.add(row.clientKey);
    // The CSV neutralised a key that looks like a formula (`=x` as `'=x`): either may be meant.
    if (csv && NEUTRALISED.test(row.clientKey)) keys.add(row.clientKey.slice(1));
  }
  return keys;
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
