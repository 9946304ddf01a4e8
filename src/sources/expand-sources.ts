import { readdir, stat } from "node:fs/promises";
import { extname, isAbsolute, join, relative, resolve } from "node:path";
import { glob } from "tinyglobby";
import { ManifestError, type Problem } from "../core/errors.js";
import { formatOf } from "../manifest/read-manifest.js";
import { quote } from "../manifest/values.js";
import type { SourceConfig, SyncConfig } from "./source-config.js";

/** How a source file is read, by its extension. */
export type SourceFormat = "csv" | "document" | "lines";

const FORMATS: Record<string, SourceFormat> = {
  ".csv": "csv",
  ".tsv": "csv",
  ".txt": "csv",
  ".yaml": "document",
  ".yml": "document",
  ".json": "document",
  ".jsonl": "lines",
  ".ndjson": "lines",
};
const EXPECTED = "expected .csv, .tsv, .txt, .yaml, .yml, .json, .jsonl or .ndjson";

export function sourceFormatOf(file: string): SourceFormat | undefined {
  const ext = extname(file).toLowerCase();
  return Object.hasOwn(FORMATS, ext) ? FORMATS[ext] : undefined;
}

/** One file to read for a source. */
export interface SourceFile {
  source: SourceConfig;
  /** As messages name it: relative to the working directory. */
  file: string;
  /** Absolute. */
  path: string;
  format: SourceFormat;
}

/**
 * The files of every source, in config order: a file as it is, a directory as its files
 * sorted by name (not recursing, no hidden files), a glob as its matches sorted. A file
 * matched twice is read once. A source that yields nothing is a problem of the config: a
 * nightly job must not sync "nothing" because an export moved.
 */
export async function expandSources(
  config: SyncConfig,
  options: { cwd: string; exclude?: readonly string[] },
): Promise<SourceFile[]> {
  const excluded = new Set((options.exclude ?? []).map((f) => resolve(options.cwd, f)));
  const problems: Problem[] = [];
  const files: SourceFile[] = [];
  const seen = new Set<string>();
  for (const source of config.sources) {
    const fail = (message: string) =>
      problems.push({
        file: config.file,
        line: source.line,
        field: `sources[${source.index}].path`,
        message,
      });
    const paths = await expandOne(source.path, config.dir);
    if (typeof paths === "string") {
      fail(paths);
      continue;
    }
    for (const path of paths.filter((p) => !excluded.has(p) && !seen.has(p))) {
      const format = sourceFormatOf(path);
      const readable = source.mapping !== undefined || formatOf(path) !== undefined;
      if (format === undefined || !readable) {
        fail(`${quote(displayPath(path, options.cwd))} has an unknown format (${EXPECTED})`);
        continue;
      }
      seen.add(path);
      files.push({ source, file: displayPath(path, options.cwd), path, format });
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return files;
}

async function expandOne(given: string, dir: string): Promise<string[] | string> {
  const path = resolve(dir, given);
  if (/[*?[\]{}]/.test(given)) {
    const matches = await glob(given, { cwd: dir, absolute: true, onlyFiles: true, dot: false });
    const known = matches.filter((m) => sourceFormatOf(m) !== undefined).sort();
    return known.length > 0 ? known : `${quote(given)} matches no file (${EXPECTED})`;
  }
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    return `${quote(given)}: no such file or directory (relative to the config)`;
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith(".") && sourceFormatOf(e.name) !== undefined)
    .map((e) => e.name)
    .sort();
  if (names.length === 0)
    return `${quote(given)} is a directory without export files (${EXPECTED})`;
  return names.map((name) => join(path, name));
}

/** `exports/teststand.csv` for a file under the working directory, else the absolute path. */
function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" || isAbsolute(rel) || rel.startsWith("..") ? path : rel;
}
