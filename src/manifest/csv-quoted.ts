import { type CsvError, type Parser, parse } from "csv-parse";

/**
 * Reads CSV records that contain quotes with csv-parse's streaming parser, so RFC 4180
 * quoting (quoted delimiters, doubled quotes, line breaks inside cells) is csv-parse's, not
 * ours. One long-lived parser is fed one record at a time; its `on_record` hook runs
 * synchronously inside `write`, so the cells are known when `write` returns.
 *
 * A quote inside an unquoted cell (`12" pipe`) is text, as Excel, Python's csv and pandas
 * read it: a record the strict parser refuses for that reason alone is read again with
 * csv-parse's `relax_quotes`. The strict parser goes first because `relax_quotes` also
 * accepts text after a closing quote (`"a"b`), which is far more often a quote that was
 * meant to be doubled than data.
 */
export type QuotedResult = { ok: true; cells: string[] } | { ok: false; message: string };

export class QuotedRecordReader {
  private strict: Parser;
  private relaxed: Parser | undefined;
  private records: string[][] = [];
  private error: CsvError | undefined;

  constructor(private readonly delimiter = ",") {
    this.strict = this.createParser(false);
  }

  /** Parses `text`, one complete record (it may span lines), without its line ending. */
  read(text: string): QuotedResult {
    const strict = this.readWith("strict", text);
    if (strict.ok || this.error?.code !== "INVALID_OPENING_QUOTE") return strict;
    return this.readWith("relaxed", text);
  }

  /**
   * Whether the start of a record that continues on the next line (its quote is still open)
   * is already broken, e.g. `a,"x"y,"open` — text after a closing quote.
   */
  probeOpen(text: string): QuotedResult | undefined {
    const probe = new QuotedRecordReader(this.delimiter);
    probe.strict.write(text);
    const error = probe.error;
    return error && error.code !== "INVALID_OPENING_QUOTE"
      ? { ok: false, message: describeCsvError(error) }
      : undefined;
  }

  private readWith(mode: "strict" | "relaxed", text: string): QuotedResult {
    this.records = [];
    this.error = undefined;
    const parser = mode === "strict" ? this.strict : (this.relaxed ??= this.createParser(true));
    // The parser holds back the last character until it sees the next one; the blank line
    // after the record delimiter makes it emit the record now (blank lines are skipped).
    parser.write(text + "\n\n");
    const [cells] = this.records;
    if (!this.error && this.records.length === 1 && cells !== undefined) return { ok: true, cells };
    // Its state after an error cannot be trusted.
    if (mode === "strict") this.strict = this.createParser(false);
    else this.relaxed = undefined;
    if (this.error) return { ok: false, message: describeCsvError(this.error) };
    return { ok: false, message: "could not be read as one CSV row (a misplaced quote?)" };
  }

  private createParser(relaxQuotes: boolean): Parser {
    const parser = parse({
      delimiter: this.delimiter,
      relax_quotes: relaxQuotes,
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
      return "a closing quote is followed by more text (expected a delimiter or the end of the line after a closing quote)";
    case "CSV_QUOTE_NOT_CLOSED":
      return `unterminated quoted cell (expected a closing ")`;
    default:
      return `invalid CSV: ${error.message.replace(/ at line \d+.*$/, "")}`;
  }
}
