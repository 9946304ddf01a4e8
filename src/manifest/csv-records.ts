import { createReadStream } from "node:fs";
import { QuotedRecordReader } from "./csv-quoted.js";
import { describeUtf8Fault, findUtf8Fault } from "./utf8.js";

/** One CSV record with the physical line it starts on, or a located syntax problem. */
export type CsvItem =
  | { kind: "record"; line: number; cells: string[] }
  | { kind: "problem"; line: number; column?: number; message: string };

/** Bytes read from disk at a time. */
const CHUNK_BYTES = 1 << 16;
/** A record (or a line) longer than this is a missing closing quote, not data. */
export const MAX_RECORD_CHARS = 1 << 20;

/**
 * Streams a CSV file as records, in batches (one per chunk read), never holding more than a
 * chunk and one record in memory.
 *
 * Why not all through csv-parse: on this project's 2-core target csv-parse reads about
 * 110,000 plain rows a second, below the 150,000 the validate command must reach. A line
 * without a quote character cannot hold a quoted comma or line break, so splitting it on
 * commas gives exactly csv-parse's cells; every record with a quote goes through csv-parse
 * (see QuotedRecordReader). Splitting lines ourselves also gives exact start lines for
 * records with line breaks inside quoted cells, which csv-parse's `info.lines` miscounts
 * for CRLF files.
 */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvItem[]> {
  const decoder = new TextDecoder("utf-8", { fatal: true }); // also drops a BOM
  const splitter = new RecordSplitter();
  let carry = ""; // text after the last line break seen
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    let text: string;
    try {
      text = carry + decoder.decode(chunk as Buffer, { stream: true });
    } catch {
      yield [await locateUtf8Fault(path)];
      return;
    }
    const items: CsvItem[] = [];
    let start = 0;
    for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
      splitter.pushLine(text.slice(start, end), items);
      start = end + 1;
    }
    carry = text.slice(start);
    if (carry.length > MAX_RECORD_CHARS) {
      items.push({
        kind: "problem",
        line: splitter.nextLine,
        message: "line is longer than 1 MiB",
      });
      yield items;
      return;
    }
    if (items.length > 0) yield items;
    if (splitter.stopped) return;
  }
  try {
    carry += decoder.decode();
  } catch {
    yield [await locateUtf8Fault(path)];
    return;
  }
  const items: CsvItem[] = [];
  if (carry !== "") splitter.pushLine(carry, items);
  splitter.end(items);
  if (items.length > 0) yield items;
}

async function locateUtf8Fault(path: string): Promise<CsvItem> {
  const fault = await findUtf8Fault(path);
  return fault
    ? { kind: "problem", line: fault.line, column: fault.column, message: describeUtf8Fault(fault) }
    : { kind: "problem", line: 1, message: "is not UTF-8 (expected UTF-8 text)" };
}

/** Turns physical lines into records: direct splits, or quoted records via csv-parse. */
class RecordSplitter {
  /** The number of the next line to be pushed. */
  nextLine = 1;
  /** Set after a problem that makes the rest of the file unreadable. */
  stopped = false;
  private readonly quoted = new QuotedRecordReader();
  private pending: { line: number; text: string; quotes: number } | undefined;

  pushLine(raw: string, out: CsvItem[]): void {
    const line = this.nextLine++;
    if (this.stopped) return;
    if (this.pending) {
      this.continuePending(raw, out);
      return;
    }
    if (raw.indexOf('"') === -1) {
      const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (!isBlank(text)) out.push({ kind: "record", line, cells: text.split(",") });
      return;
    }
    this.pending = { line, text: raw, quotes: countQuotes(raw) };
    if (this.pending.quotes % 2 === 0) {
      this.finishPending(out);
      return;
    }
    const broken = this.quoted.probeOpen(raw);
    if (broken && !broken.ok) {
      out.push({ kind: "problem", line, message: broken.message });
      this.pending = undefined;
    }
  }

  end(out: CsvItem[]): void {
    if (this.pending && !this.stopped) {
      out.push({
        kind: "problem",
        line: this.pending.line,
        message:
          'unterminated quoted cell: the quote opened on this line is never closed (expected a closing ")',
      });
    }
    this.pending = undefined;
  }

  private continuePending(raw: string, out: CsvItem[]): void {
    const pending = this.pending!;
    // Line breaks inside a quoted cell are kept as written (LF, or CRLF via the kept \r).
    pending.text += "\n" + raw;
    pending.quotes += countQuotes(raw);
    if (pending.quotes % 2 === 0) {
      this.finishPending(out);
    } else if (pending.text.length > MAX_RECORD_CHARS) {
      out.push({
        kind: "problem",
        line: pending.line,
        message: 'unterminated quoted cell: no closing quote within 1 MiB (expected a closing ")',
      });
      this.pending = undefined;
      this.stopped = true;
    }
  }

  private finishPending(out: CsvItem[]): void {
    const { line, text } = this.pending!;
    this.pending = undefined;
    const result = this.quoted.read(text.endsWith("\r") ? text.slice(0, -1) : text);
    out.push(
      result.ok
        ? { kind: "record", line, cells: result.cells }
        : { kind: "problem", line, message: result.message },
    );
  }
}

function countQuotes(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** Whether a line holds only whitespace, without trimming the usual line that does not. */
function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  return (first <= 32 || first >= 127) && text.trim() === "";
}
