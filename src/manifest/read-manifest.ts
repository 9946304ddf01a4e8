import { resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import type { UnicodeMode } from "../core/unicode.js";
import { type CsvDialect, DEFAULT_CSV_DIALECT } from "./csv-dialect.js";
import { readCsvManifest } from "./csv-manifest.js";
import type { ClientKeyRegistry } from "./client-keys.js";
import type { FileSkips, LineReading } from "./file-skips.js";
import type { ManifestItem } from "./manifest-item.js";
import { NullCells } from "./null-cells.js";

import {
  formatOf,
  MANIFEST_EXTENSIONS,
  type ManifestFormat,
  STDIN_NAME,
  STDIN_PATH,
} from "./formats.js";

export interface ReadOptions {
  /** How CSV files are written; default: delimiter sniffed from the header, UTF-8. */
  csv?: CsvDialect;
  /**
   * What the path `-` reads: standard input, already saved to `path` (every command reads
   * its manifests twice: once to validate, once to plan), in `format`.
   */
  stdin?: { path: string; format: ManifestFormat };
  /**
   * FIFOs named as paths (`plan <(generate)`, a `mkfifo` file), each already saved to a file
   * as `stdin` is, by the path as given; their format is the name's, else `--stdin-format`'s.
   */
  pipes?: ReadonlyMap<string, { path: string; format: ManifestFormat }>;
  /**
   * The encoding of JSON Lines files; default: the CSV dialect's (`--encoding` names both).
   * YAML and JSON documents are UTF-8.
   */
  encoding?: string;
  /** Texts that mean "not managed", like a blank cell (a sync config's `nulls:`). */
  nulls?: NullCells;
  /** `--unicode`: text read in NFC (default), or byte for byte (`keep`). */
  unicode?: UnicodeMode;
  /** Files the sync cache stands in for (file-skips.ts). */
  skips?: FileSkips;
  /** The clientKeys of an earlier pass over the same files (see ClientKeyRegistry.startRereading). */
  keys?: ClientKeyRegistry;
}

/**
 * Reads one manifest file as batches of items, in file order. `file` is the path as the
 * user gave it (used in messages); it is resolved against `cwd` to be read. `lines`: a CSV's
 * or a JSON Lines file's lines are hashed and matched with the sync cache's rows
 * (FileSkips.lines).
 */
export async function* readManifest(
  file: string,
  cwd: string,
  options: ReadOptions = {},
  lines?: LineReading,
): AsyncGenerator<ManifestItem[]> {
  const { path, format } = locate(file, cwd, options);
  const csv = options.csv ?? DEFAULT_CSV_DIALECT;
  const nulls = options.nulls ?? NullCells.NONE;
  try {
    switch (format) {
      case "csv":
        yield* readCsvManifest(path, file, csv, nulls, lines);
        break;
      case "tsv":
        // A .tsv is tab-separated by its name; a given delimiter still wins.
        yield* readCsvManifest(
          path,
          file,
          {
            ...csv,
            delimiter: csv.delimiter === "auto" ? "\t" : csv.delimiter,
          },
          nulls,
          lines,
        );
        break;
      case "jsonl": {
        // Loaded here, not above: the YAML and JSON Lines readers load the yaml package (~33 ms
        // of CPU), which a CSV read never needs.
        const { readJsonlManifest } = await import("./jsonl-manifest.js");
        const encoding = options.encoding ?? csv.encoding;
        yield* readJsonlManifest(path, file, { encoding, nulls, ...(lines && { lines }) });
        break;
      }
      case "yaml":
      case "json": {
        const { readYamlManifest } = await import("./yaml-manifest.js");
        yield await readYamlManifest(path, file, format, nulls);
        break;
      }
      default:
        format satisfies never;
    }
  } catch (error) {
    if (isFileSystemError(error)) {
      throw new UsageError(`${file}: cannot be read (${error.code})`, { cause: error });
    }
    throw error;
  }
}

function locate(
  file: string,
  cwd: string,
  options: ReadOptions,
): { path: string; format: ManifestFormat } {
  if (file === STDIN_NAME) {
    if (options.stdin === undefined) {
      throw new UsageError(`${STDIN_PATH}: standard input is not available here`);
    }
    return options.stdin;
  }
  const pipe = options.pipes?.get(file);
  if (pipe !== undefined) return pipe;
  const format = formatOf(file);
  if (format === undefined) {
    throw new UsageError(`${file}: unknown manifest format (expected ${MANIFEST_EXTENSIONS})`);
  }
  return { path: resolve(cwd, file), format };
}

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === "string" &&
    "syscall" in error
  );
}
