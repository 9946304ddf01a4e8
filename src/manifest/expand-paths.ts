import { readdir, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import { type FileIdentity, type OwnFileKind, recogniseOwnFile } from "./own-files.js";
import {
  formatOf,
  MANIFEST_EXTENSIONS,
  NAMED_ONLY_EXTENSIONS,
  STDIN_NAME,
  STDIN_PATH,
} from "./read-manifest.js";

/**
 * Expands the paths of one invocation into manifest files: a file as given, a directory
 * as its manifest files (`*.csv`, `*.tsv`, `*.yaml`, `*.yml`, `*.json`, `*.jsonl`,
 * `*.ndjson`; a `*.txt` only when named) sorted by name (not recursing, and
 * skipping hidden files such as editor backups). A file named twice is read once. Files in
 * `exclude` (the command's own outputs, such as `--results` or `--out`) are left out of a
 * directory: a results file written next to the manifests is not read back as one. Nor are
 * the tool's own files of earlier runs, recognised by their content (a results file, a saved
 * plan), the file `stdoutFile` (this command's redirected stdout), or an empty file;
 * `onOwnFile` hears of each.
 *
 * @example
 * await expandPaths(["manifests"]) // ["manifests/backfill.csv", "manifests/nightly.yaml"]
 */
export interface ExpandOptions {
  cwd?: string;
  /** Files never taken from a directory: the invocation's own output files. */
  exclude?: readonly string[];
  /** The file this command's stdout is redirected to: never taken from a directory. */
  stdoutFile?: FileIdentity;
  /** Told of each file of a directory skipped as one of the tool's own (see own-files.ts). */
  onOwnFile?: (file: string, kind: OwnFileKind) => void;
}

export async function expandPaths(paths: string[], options: ExpandOptions = {}): Promise<string[]> {
  const cwd = options.cwd ?? process.cwd();
  const excluded = new Set((options.exclude ?? []).map((file) => resolve(cwd, file)));
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = resolve(cwd, file);
    if (!seen.has(key)) {
      seen.add(key);
      files.push(file);
    }
  };
  for (const given of paths) {
    if (given === STDIN_PATH) {
      add(STDIN_NAME); // standard input: see ReadOptions.stdin
      continue;
    }
    const info = await stat(resolve(cwd, given)).catch(() => undefined);
    if (info === undefined) throw new UsageError(`${given}: no such file or directory`);
    if (info.isDirectory()) {
      const names = (await readdir(resolve(cwd, given), { withFileTypes: true }))
        .filter(
          (e) =>
            !e.name.startsWith(".") &&
            formatOf(e.name) !== undefined &&
            !NAMED_ONLY_EXTENSIONS.has(extname(e.name).toLowerCase()) &&
            !e.isDirectory(),
        )
        .map((e) => e.name)
        .sort();
      if (names.length === 0) {
        throw new UsageError(
          `${given}: no manifest files in this directory (expected ${MANIFEST_EXTENSIONS})`,
        );
      }
      for (const name of names) {
        const file = join(given, name);
        if (excluded.has(resolve(cwd, file))) continue;
        const own = await recogniseOwnFile(resolve(cwd, file), options.stdoutFile);
        if (own === undefined) add(file);
        else options.onOwnFile?.(file, own);
      }
    } else {
      if (formatOf(given) === undefined) {
        throw new UsageError(
          `${given}: unknown manifest format (expected ${MANIFEST_EXTENSIONS}, a tab-separated *.txt, or - for standard input)`,
        );
      }
      add(given);
    }
  }
  return files;
}
