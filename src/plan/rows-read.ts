import { type ClientKeyRegistry, formatSource, type Source } from "../manifest/index.js";

/**
 * Invalid rows the registry does not hold (a duplicate clientKey, none at all) kept at most to
 * name them after a stop while reading; past this, they are counted.
 */
const MAX_EXTRA_ROWS = 10_000;

/** Where a stopped reading of the manifests left off: what was not read, file by file. */
export interface UnreadManifests {
  /**
   * The files not read to their end, in order: the one the reading stopped in, with the line
   * of the last row read from it (`afterLine`), then every file after it (not read at all).
   */
  files: { path: string; afterLine?: number }[];
  /** `plan`: the file is the saved plan `apply --plan` read (one change a line), not a manifest. */
  of?: "plan";
}

/** The rows a reading of the manifests had met when a signal stopped it, and where it stopped. */
export interface RowsRead {
  /** Each row in scope read, in order: its clientKey ("" when it has none) and `file:line`. */
  rows(): Generator<{ clientKey: string; source: string }>;
  /** How many rows `rows` names (known before it names them). */
  count: number;
  /** Invalid rows read beyond those `rows` names (MAX_EXTRA_ROWS). */
  unnamed: number;
  unread: UnreadManifests;
}

/**
 * Follows the validating pass, so that a stop can name what it read: the clientKeys and places
 * are the registry's (kept anyway, to find duplicates); it keeps only the last row's place and
 * the few invalid rows the registry does not hold. Costs nothing per row beyond that.
 */
export class ReadTracker {
  private last: Source | undefined;
  private readonly extra: { clientKey: string; file: string; line: number }[] = [];
  private unnamed = 0;
  /** Rows in scope read, valid or not, but the unnamed: those `rows` will name. */
  private named = 0;

  constructor(
    private readonly registry: ClientKeyRegistry,
    private readonly inScope: (clientKey: string | undefined) => boolean,
  ) {}

  /** A row read, valid or not (in scope or not): the reading is past it. */
  passed(source: Source): void {
    this.last = source;
  }

  /** A valid row in scope (its key is recorded: the registry names it). */
  valid(): void {
    this.named++;
  }

  /** An invalid row in scope: named from here when the registry does not hold it. */
  invalid(clientKey: string | undefined, source: Source): void {
    if (!this.inScope(clientKey)) return;
    this.named++;
    if (clientKey !== undefined && this.registry.isRecordedAt(clientKey, source)) return;
    if (this.extra.length >= MAX_EXTRA_ROWS) {
      this.named--;
      this.unnamed++;
    } else this.extra.push({ clientKey: clientKey ?? "", file: source.file, line: source.line });
  }

  /**
   * What the pass has read (when it stopped, or at its end), `files` being every file it was
   * to read. Later passes may record keys of rows changed since: they are not listed.
   */
  read(files: readonly string[]): RowsRead {
    const rank = new Map(files.map((file, i) => [file, i]));
    const { registry, inScope, extra, last } = this;
    const recorded = registry.size;
    const at = last === undefined ? 0 : (rank.get(last.file) ?? 0);
    return {
      *rows() {
        const before = (a: { file: string; line: number }, b: { file: string; line: number }) => {
          const ra = rank.get(a.file) ?? 0;
          const rb = rank.get(b.file) ?? 0;
          return ra < rb || (ra === rb && a.line < b.line);
        };
        let e = 0;
        for (const row of registry.recorded(recorded)) {
          if (!inScope(row.clientKey)) continue;
          while (e < extra.length && before(extra[e]!, row)) yield refOf(extra[e++]!);
          yield refOf(row);
        }
        while (e < extra.length) yield refOf(extra[e++]!);
      },
      count: this.named,
      unnamed: this.unnamed,
      unread: {
        files: files
          .slice(at)
          .map((path, i) =>
            i === 0 && last !== undefined ? { path, afterLine: last.line } : { path },
          ),
      },
    };
  }
}

function refOf(row: { clientKey: string; file: string; line: number }) {
  return { clientKey: row.clientKey, source: formatSource(row) };
}
