import { extname, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import type { CsvDialect } from "./csv-dialect.js";
import { readCsvManifest } from "./csv-manifest.js";
import type { ManifestItem } from "./manifest-item.js";
import { readYamlManifest } from "./yaml-manifest.js";

export type ManifestFormat = "csv" | "yaml" | "json";

const FORMATS: Record<string, ManifestFormat> = {
  ".csv": "csv",
  ".yaml": "yaml",
  ".yml": "yaml",
  ".json": "json",
};

/** The format a file name's extension announces, if it is a manifest's. */
export function formatOf(file: string): ManifestFormat | undefined {
  const ext = extname(file).toLowerCase();
  return Object.hasOwn(FORMATS, ext) ? FORMATS[ext] : undefined;
}

/**
 * Reads one manifest file as batches of items, in file order. `file` is the path as the
 * user gave it (used in messages); it is resolved against `cwd` to be read.
 */
export interface ReadOptions {
  /** How CSV files are written; default: delimiter sniffed from the header, UTF-8. */
  csv?: CsvDialect;
}

export async function* readManifest(
  file: string,
  cwd: string,
  options: ReadOptions = {},
): AsyncGenerator<ManifestItem[]> {
  const format = formatOf(file);
  if (format === undefined) {
    throw new UsageError(`${file}: unknown manifest format (expected .csv, .yaml, .yml or .json)`);
  }
  const path = resolve(cwd, file);
  try {
    if (format === "csv") yield* readCsvManifest(path, file, options.csv);
    else yield await readYamlManifest(path, file, format);
  } catch (error) {
    if (isFileSystemError(error)) {
      throw new UsageError(`${file}: cannot be read (${error.code})`, { cause: error });
    }
    throw error;
  }
}

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === "string" &&
    "syscall" in error
  );
}
