import { type CsvError, type Parser, parse } from "csv-parse";

/**
 * Reads CSV records that contain quotes with csv-parse's streaming parser, so RFC 4180
 * quoting (quoted commas, doubled quotes, line breaks inside cells) is csv-parse's, not
 * ours. One long-lived parser is fed one record at a time; its `on_record` hook runs
 * synchronously inside `write`, so the cells are known when `write` returns.
 */
export type QuotedResult = { ok: true; cells: string[] } | { ok: false; message: string };

export class QuotedRecordReader {
  private parser: Parser;
  private records: string[][] = [];
  private error: CsvError | undefined;

  constructor() {
    this.parser = this.createParser();
  }

  /** Parses `text`, one complete record (it may span lines), without its line ending. */
  read(text: string): QuotedResult {
    this.records = [];
    this.error = undefined;
    // The parser holds back the last character until it sees the next one; the blank line
    // after the record delimiter makes it emit the record now (blank lines are skipped).
    this.parser.write(text + "\n\n");
    if (this.error) {
      const message = describeCsvError(this.error);
      this.parser = this.createParser(); // its state after an error cannot be trusted
      return { ok: false, message };
    }
    const [cells] = this.records;
    if (this.records.length !== 1 || cells === undefined) {
      this.parser = this.createParser();
      return { ok: false, message: "could not be read as one CSV row (a misplaced quote?)" };
    }
    return { ok: true, cells };
  }

  /**
   * Whether the start of a record that continues on the next line (its quote is still open)
   * is already broken, e.g. `a,5" display` — a quote inside an unquoted cell.
   */
  probeOpen(text: string): QuotedResult | undefined {
    const probe = new QuotedRecordReader();
    probe.parser.write(text);
    return probe.error ? { ok: false, message: describeCsvError(probe.error) } : undefined;
  }

  private createParser(): Parser {
    const parser = parse({
      relax_column_count: true,
      record_delimiter: ["\n"],
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_record: (record: string[]) => {
        this.records.push(record);
        return null; // consumed here: nothing is queued in the stream
      },
      on_skip: (error) => {
        this.error ??= error;
      },
    });
    parser.on("error", (error: CsvError) => {
      this.error ??= error;
    });
    return parser;
  }
}

function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case "INVALID_OPENING_QUOTE":
      return 'a quote inside an unquoted cell (expected the whole cell in quotes and inner quotes doubled, e.g. "a ""quoted"" word")';
    case "CSV_INVALID_CLOSING_QUOTE":
      return "a closing quote is followed by more text (expected a comma or the end of the line after a closing quote)";
    case "CSV_QUOTE_NOT_CLOSED":
      return `unterminated quoted cell (expected a closing ")`;
    default:
      return `invalid CSV: ${error.message.replace(/ at line \d+.*$/, "")}`;
  }
}
