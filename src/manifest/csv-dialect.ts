/**
 * How a CSV file is written: its cell separator, its text encoding and the lines before its
 * header. The flags `--delimiter` / `--encoding` and a sync config's `csv:` entry both end
 * up here; the defaults read what a spreadsheet exports without being told.
 *
 * @example
 * const dialect = readCsvDialect({ delimiter: ";", encoding: "windows-1252", skipLines: 1 });
 * if (!dialect.ok) throw new Error(dialect.message);
 */

/** The separators a file may use; `auto` picks the one the header uses most. */
const CSV_DELIMITERS = [",", ";", "\t", "|"] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export interface CsvDialect {
  /** The cell separator, or `auto` (default): sniffed from the header among `,` `;` tab `|`. */
  delimiter: CsvDelimiter | "auto";
  /**
   * A WHATWG encoding label (`utf-8`, `windows-1252`, `latin1`, `utf-16le`, ...). A UTF-16
   * or UTF-8 byte-order mark at the start of the file wins over it. Default `utf-8`.
   */
  encoding: string;
  /** Lines before the header to skip (a title line, an export banner). Default 0. */
  skipLines: number;
}

export const DEFAULT_CSV_DIALECT: Readonly<CsvDialect> = Object.freeze({
  delimiter: "auto",
  encoding: "utf-8",
  skipLines: 0,
});

/** What a user may write: every field optional, the delimiter also spelled `tab` or `\t`. */
export interface CsvDialectInput {
  delimiter?: string;
  encoding?: string;
  skipLines?: number;
}

export type CsvDialectResult =
  { ok: true; dialect: CsvDialect } | { ok: false; field: keyof CsvDialect; message: string };

const DELIMITER_NAMES: Record<string, CsvDelimiter | "auto"> = {
  auto: "auto",
  ",": ",",
  comma: ",",
  ";": ";",
  semicolon: ";",
  "\t": "\t",
  "\\t": "\t",
  tab: "\t",
  "|": "|",
  pipe: "|",
};

/**
 * Checks a dialect as written (flags or config) and fills in the defaults. The message names
 * no source: the caller prefixes `--delimiter` or `sift-run-sync.yaml sources[0].csv`.
 */
export function readCsvDialect(input: CsvDialectInput = {}): CsvDialectResult {
  const dialect: CsvDialect = { ...DEFAULT_CSV_DIALECT };
  if (input.delimiter !== undefined) {
    const key = input.delimiter.length === 1 ? input.delimiter : input.delimiter.toLowerCase();
    const delimiter = Object.hasOwn(DELIMITER_NAMES, key) ? DELIMITER_NAMES[key] : undefined;
    if (delimiter === undefined) {
      return {
        ok: false,
        field: "delimiter",
        message: `unknown delimiter ${JSON.stringify(input.delimiter)} (expected auto, ",", ";", tab or "|")`,
      };
    }
    dialect.delimiter = delimiter;
  }
  if (input.encoding !== undefined) {
    const encoding = canonicalEncoding(input.encoding);
    if (encoding === undefined) {
      return {
        ok: false,
        field: "encoding",
        message: `unknown encoding ${JSON.stringify(input.encoding)} (expected a name such as utf-8, windows-1252, latin1, utf-16le or iso-8859-15)`,
      };
    }
    dialect.encoding = encoding;
  }
  if (input.skipLines !== undefined) {
    if (!Number.isInteger(input.skipLines) || input.skipLines < 0) {
      return {
        ok: false,
        field: "skipLines",
        message: `expected a whole number ≥ 0, got ${JSON.stringify(input.skipLines)}`,
      };
    }
    dialect.skipLines = input.skipLines;
  }
  return { ok: true, dialect };
}

/** The platform's name for an encoding label (`latin1` → `windows-1252`), if it knows it. */
function canonicalEncoding(label: string): string | undefined {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

/** How a delimiter is named in messages: `","`, `";"`, `tab`, `"|"`. */
export function describeDelimiter(delimiter: CsvDelimiter): string {
  return delimiter === "\t" ? "tab" : JSON.stringify(delimiter);
}

/**
 * The delimiter a header line uses: the candidate seen most often outside quoted cells
 * (ties go to the earlier of `,` `;` tab `|`); a one-column header is `,`-separated.
 */
export function sniffDelimiter(header: string): CsvDelimiter {
  const counts = countDelimiters(header);
  let best: CsvDelimiter = ",";
  let bestCount = 0;
  for (const delimiter of CSV_DELIMITERS) {
    const n = counts.get(delimiter) ?? 0;
    if (n > bestCount) {
      best = delimiter;
      bestCount = n;
    }
  }
  return best;
}

function countDelimiters(line: string): Map<string, number> {
  const counts = new Map<string, number>();
  let inside = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"')
      inside = !inside; // `""` toggles twice: fine for counting
    else if (!inside && (CSV_DELIMITERS as readonly string[]).includes(c)) {
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  return counts;
}
