import {
  type CsvDelimiter,
  type CsvDialect,
  DEFAULT_CSV_DIALECT,
  sniffDelimiter,
} from "./csv-dialect.js";
import { type ChunkDecoder, createChunkDecoder } from "./chunk-decoder.js";
import { QuotedRecordReader } from "./csv-quoted.js";
import { detectBom, locateDecodeFault } from "./decode-fault.js";
import { fileChunks } from "./file-chunks.js";
import { markPlain } from "../core/plain-text.js";
import { hashLine, lineSeed } from "../core/text-hash.js";
import { MAYBE_NOT_NFC } from "../core/unicode.js";
import type { LineReading } from "./file-skips.js";

/**
 * One CSV record with the physical line it starts on, or a located syntax problem. The
 * `dialect` item comes once, before the first record: the delimiter and encoding in use.
 */
export type CsvItem =
  | { kind: "record"; line: number; cells: string[]; hash?: number }
  /** With a LineReading: a line its matcher knows, at its cache entry (not split, not parsed). */
  | { kind: "stub"; line: number; entry: number; hash: number }
  | { kind: "problem"; line: number; column?: number; message: string }
  | {
      kind: "dialect";
      delimiter: CsvDelimiter;
      encoding: string;
      /** The delimiter the header itself suggests: differs from `delimiter` only when it was given. */
      sniffed: CsvDelimiter;
    };

/** Bytes read from disk at a time. */
const CHUNK_BYTES = 1 << 16;
/** A record (or a line) longer than this is a missing closing quote, not data. */
const MAX_RECORD_CHARS = 1 << 20;

/**
 * Streams a CSV file as records, in batches (one per chunk read), never holding more than a
 * chunk and one record in memory.
 *
 * Why not all through csv-parse: on this project's 2-core target csv-parse reads about
 * 110,000 plain rows a second, below the 150,000 the validate command must reach. A line
 * without a quote character cannot hold a quoted delimiter or line break, so splitting it
 * on the delimiter gives exactly csv-parse's cells; every record with a quote goes through
 * csv-parse (see QuotedRecordReader). Splitting lines ourselves also gives exact start
 * lines for records with line breaks inside quoted cells, which csv-parse's `info.lines`
 * miscounts for CRLF files.
 *
 * Lines end in LF or CRLF, or, in files from classic Mac OS and Excel's "CSV (Macintosh)",
 * in a bare CR. csv-parse would detect that from the first record (its `record_delimiter`
 * default), but it reads only our quoted records; so the file's first line break decides
 * here, the same way: a CR not followed by LF makes CR the line break of the whole file.
 */
export async function* readCsvRecords(
  path: string,
  dialect: CsvDialect = DEFAULT_CSV_DIALECT,
  lines?: LineReading,
): AsyncGenerator<CsvItem[]> {
  let decoder: ChunkDecoder | undefined; // chosen from the first bytes (a byte-order mark)
  const splitter = new RecordSplitter(dialect, lines);
  let carry = ""; // text after the last line break seen
  let goodBytes = 0; // decoded without a fault so far
  let lineBreak: LineBreak | undefined; // from the first line break of the file
  // Whether every text so far is below U+0300 (NFC already): a record may span chunks.
  let plain = true;
  for await (const chunk of fileChunks(path, CHUNK_BYTES)) {
    decoder ??= createChunkDecoder(detectBom(chunk) ?? dialect.encoding);
    let decoded: string;
    try {
      decoded = decoder.decode(chunk, { stream: true }); // drops a BOM
    } catch {
      yield [await locateDecodeFault(path, decoder.encoding, goodBytes)];
      return;
    }
    goodBytes += chunk.length;
    plain &&= !MAYBE_NOT_NFC.test(decoded); // the carry was tested with the chunk before
    splitter.encoding = decoder.encoding;
    const items: CsvItem[] = [];
    let text = decoded;
    let start = 0;
    // The line the last chunk ended in is finished with the head of this one alone: joining
    // the whole chunk to it copied 64 KiB per chunk (a rope that the first indexOf flattens).
    const firstBreak = lineBreak === undefined || carry === "" ? -1 : decoded.indexOf(lineBreak);
    if (firstBreak !== -1) {
      splitter.lineBreak = lineBreak!;
      splitter.pushLine(carry + decoded.slice(0, firstBreak), items);
      start = firstBreak + 1;
    } else {
      text = carry + decoded;
    }
    lineBreak ??= detectLineBreak(text, false);
    if (lineBreak !== undefined) {
      splitter.lineBreak = lineBreak;
      for (
        let end = text.indexOf(lineBreak, start);
        end !== -1;
        end = text.indexOf(lineBreak, start)
      ) {
        splitter.pushLine(text.slice(start, end), items);
        start = end + 1;
      }
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
    if (plain) markPlain(items);
    if (items.length > 0) yield items;
    if (splitter.stopped) return;
  }
  try {
    carry += decoder?.decode() ?? "";
  } catch {
    yield [await locateDecodeFault(path, decoder!.encoding, goodBytes)];
    return;
  }
  const items: CsvItem[] = [];
  // A file whose only line break is a CR at its very end: its one line ends there.
  if (lineBreak === undefined && carry !== "") {
    splitter.lineBreak = detectLineBreak(carry, true) ?? "\n";
    if (splitter.lineBreak === "\r") {
      for (const line of carry.split("\r")) splitter.pushLine(line, items);
      carry = "";
    }
  }
  if (carry !== "") splitter.pushLine(carry, items);
  splitter.end(items);
  if (plain && !MAYBE_NOT_NFC.test(carry)) markPlain(items);
  if (items.length > 0) yield items;
}

type LineBreak = "\n" | "\r";

/**
 * The line break of a file from its first one: LF (CRLF included) or a bare CR; undefined
 * while the text holds none yet, or ends in a CR the next chunk may follow with LF.
 */
function detectLineBreak(text: string, atEnd: boolean): LineBreak | undefined {
  const lf = text.indexOf("\n");
  const cr = text.indexOf("\r");
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf === -1 ? undefined : "\n";
  if (cr === text.length - 1) return atEnd ? "\r" : undefined;
  return text.charCodeAt(cr + 1) === 10 ? "\n" : "\r";
}

/** Turns physical lines into records: direct splits, or quoted records via csv-parse. */
class RecordSplitter {
  /** The number of the next line to be pushed. */
  nextLine = 1;
  /** Set after a problem that makes the rest of the file unreadable. */
  stopped = false;
  encoding = DEFAULT_CSV_DIALECT.encoding;
  /** What ends a line; a quoted cell spanning lines keeps it as written. */
  lineBreak: LineBreak = "\n";
  private delimiter: CsvDelimiter | undefined;
  private skip: number;
  private quoted: QuotedRecordReader | undefined;
  private pending: { line: number; text: string } | undefined;
  /** The seed of the lines' hashes, once the header is read (with `lines`). */
  private seed: number | undefined;

  constructor(
    private readonly dialect: CsvDialect,
    private readonly lines?: LineReading,
  ) {
    this.skip = dialect.skipLines;
    if (dialect.delimiter !== "auto") this.delimiter = dialect.delimiter;
  }

  pushLine(raw: string, out: CsvItem[]): void {
    const line = this.nextLine++;
    if (this.stopped) return;
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    if (this.pending) {
      this.continuePending(raw, out);
      return;
    }
    if (this.quoted === undefined) {
      if (isBlank(raw)) return; // blank lines before the header
      this.start(raw, out);
    }
    const delimiter = this.delimiter!;
    if (raw.indexOf('"') === -1) {
      const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (isBlank(text)) return;
      const hash = this.lines && this.hashOf(text);
      if (hash === undefined || !this.stub(line, hash, out))
        pushRecord(out, line, text.split(delimiter), hash);
      return;
    }
    this.pending = { line, text: raw };
    if (!isInsideQuotes(raw, delimiter, false)) {
      this.finishPending(out);
      return;
    }
    const broken = this.quoted!.probeOpen(raw);
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

  /** At the header: settles the delimiter and announces the dialect. */
  private start(header: string, out: CsvItem[]): void {
    const sniffed = sniffDelimiter(header);
    this.delimiter ??= sniffed;
    this.quoted = new QuotedRecordReader(this.delimiter);
    out.push({ kind: "dialect", delimiter: this.delimiter, encoding: this.encoding, sniffed });
  }

  private continuePending(raw: string, out: CsvItem[]): void {
    const pending = this.pending!;
    // Line breaks inside a quoted cell are kept as written (LF, or CRLF via the kept \r).
    pending.text += this.lineBreak + raw;
    if (!isInsideQuotes(raw, this.delimiter!, true)) {
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
    const { line, text: raw } = this.pending!;
    this.pending = undefined;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const hash = this.lines && this.hashOf(text);
    if (hash !== undefined && this.stub(line, hash, out)) return;
    const result = this.quoted!.read(text);
    if (!result.ok) out.push({ kind: "problem", line, message: result.message });
    else pushRecord(out, line, result.cells, hash);
  }

  /**
   * The hash of a record's text (without its line break), undefined for the header's: its
   * text, the delimiter and the reading seed every line's after it.
   */
  private hashOf(text: string): number | undefined {
    if (this.seed !== undefined) return hashLine(text, this.seed);
    this.seed = lineSeed(this.lines!.readKey, this.delimiter!, text);
    return undefined;
  }

  /** A line the matcher knows, pushed as its stub; false to split and parse it. */
  private stub(line: number, hash: number, out: CsvItem[]): boolean {
    const matcher = this.lines?.matcher;
    if (matcher === undefined) return false;
    const entry = matcher.match(hash);
    if (entry < 0) return false;
    out.push({ kind: "stub", line, entry, hash });
    return true;
  }
}

/** A record, with its text's hash when read with a LineReading (none for the header). */
function pushRecord(out: CsvItem[], line: number, cells: string[], hash: number | undefined): void {
  if (hash === undefined) out.push({ kind: "record", line, cells });
  else out.push({ kind: "record", line, cells, hash });
}

/**
 * Whether a line ends inside a quoted cell. A quote opens a quoted cell only as the cell's
 * first character; elsewhere (`12" pipe`) it is text, as Excel, Python's csv and pandas read
 * it. Inside a quoted cell, `""` is a quote and a lone `"` closes the cell.
 */
function isInsideQuotes(text: string, delimiter: string, open: boolean): boolean {
  let inside = open;
  let cellStart = !open;
  const d = delimiter.charCodeAt(0);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inside) {
      if (c !== 34) continue;
      if (text.charCodeAt(i + 1) === 34) i++;
      else inside = false;
    } else if (c === d) {
      cellStart = true;
      continue;
    } else if (c === 34 && cellStart) {
      inside = true;
    }
    cellStart = false;
  }
  return inside;
}

/** Whether a line holds only whitespace, without trimming the usual line that does not. */
function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  return (first <= 32 || first >= 127) && text.trim() === "";
}
