import { readdir, stat } from "node:fs/promises";
import { extname, isAbsolute, join, relative, resolve } from "node:path";
import { glob } from "tinyglobby";
import { ManifestError, type Problem } from "../core/errors.js";
import type { SourceConfig, SyncConfig } from "./source-config.js";
import {
  type FileIdentity,
  formatOf,
  type OwnFileKind,
  quote,
  recogniseOwnFile,
} from "../manifest/index.js";

/** How a source file is read, by its extension. */
type SourceFormat = "csv" | "document" | "lines";

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

function sourceFormatOf(file: string): SourceFormat | undefined {
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

export interface ExpandSourcesOptions {
  cwd: string;
  /** Files never read: the invocation's own outputs (`--results`, `--out`). */
  exclude?: readonly string[];
  /** The file this command's stdout is redirected to: never taken from a directory or glob. */
  stdoutFile?: FileIdentity;
  /** Told of each file of a directory or glob skipped as one of the tool's own. */
  onOwnFile?: (file: string, kind: OwnFileKind) => void;
}

/**
 * The files of every source, in config order: a file as it is, a directory as its files
 * sorted by name (not recursing, no hidden files), a glob as its matches sorted. A file
 * matched twice is read once. A source that yields nothing is a problem of the config: a
 * nightly job must not sync "nothing" because an export moved. A directory or glob skips
 * the tool's own files as a manifest directory does (see own-files.ts: results files, saved
 * plans, apply summaries, the file stdout is redirected to, empty files); a file named as
 * a source's `path` is read as given.
 */
export async function expandSources(
  config: SyncConfig,
  options: ExpandSourcesOptions,
): Promise<SourceFile[]> {
  const excluded = new Set((options.exclude ?? []).map((f) => resolve(options.cwd, f)));
  const problems: Problem[] = [];
  const files: SourceFile[] = [];
  const seen = new Set<string>();
  const noted = new Set<string>();
  for (const source of config.sources) {
    const fail = (message: string) =>
      problems.push({
        file: config.file,
        line: source.line,
        field: `sources[${source.index}].path`,
        message,
      });
    const expanded = await expandOne(source.path, config.dir);
    if (typeof expanded === "string") {
      fail(expanded);
      continue;
    }
    const candidates = expanded.paths.filter((p) => !excluded.has(p));
    let own = 0;
    for (const path of candidates.filter((p) => !seen.has(p))) {
      if (expanded.scanned) {
        const kind = await recogniseOwnFile(path, options.stdoutFile);
        if (kind !== undefined) {
          own++;
          if (!noted.has(path)) options.onOwnFile?.(displayPath(path, options.cwd), kind);
          noted.add(path);
          continue;
        }
      }
      const format = sourceFormatOf(path);
      const readable = source.mapping !== undefined || formatOf(path) !== undefined;
      if (format === undefined || !readable) {
        fail(`${quote(displayPath(path, options.cwd))} has an unknown format (${EXPECTED})`);
        continue;
      }
      seen.add(path);
      files.push({ source, file: displayPath(path, options.cwd), path, format });
    }
    if (own > 0 && own === candidates.length) {
      fail(`${quote(source.path)} has no export files but sift-run-sync's own (${EXPECTED})`);
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return files;
}

/** A source's files; `scanned`: found in a directory or by a glob, not named as the path. */
interface Expanded {
  paths: string[];
  scanned: boolean;
}

async function expandOne(given: string, dir: string): Promise<Expanded | string> {
  const path = resolve(dir, given);
  if (/[*?[\]{}]/.test(given)) {
    const matches = await glob(given, { cwd: dir, absolute: true, onlyFiles: true, dot: false });
    const known = matches.filter((m) => sourceFormatOf(m) !== undefined).sort();
    if (known.length === 0) return `${quote(given)} matches no file (${EXPECTED})`;
    return { paths: known, scanned: true };
  }
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    return `${quote(given)}: no such file or directory (relative to the config)`;
  if (!info.isDirectory()) return { paths: [path], scanned: false };
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith(".") && sourceFormatOf(e.name) !== undefined)
    .map((e) => e.name)
    .sort();
  if (names.length === 0)
    return `${quote(given)} is a directory without export files (${EXPECTED})`;
  return { paths: names.map((name) => join(path, name)), scanned: true };
}

/** `exports/teststand.csv` for a file under the working directory, else the absolute path. */
function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" || isAbsolute(rel) || rel.startsWith("..") ? path : rel;
}
