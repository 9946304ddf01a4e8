import { readdir } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import { inputKind, refusal } from "./input-kind.js";
import { type FileIdentity, type OwnFileKind, recogniseOwnFile } from "./own-files.js";
import {
  formatOf,
  MANIFEST_EXTENSIONS,
  NAMED_ONLY_EXTENSIONS,
  STDIN_NAME,
  STDIN_PATH,
} from "./formats.js";

/**
 * Expands the paths of one invocation into manifest files: a file as given, a directory
 * as its manifest files (`*.csv`, `*.tsv`, `*.yaml`, `*.yml`, `*.json`, `*.jsonl`,
 * `*.ndjson`; a `*.txt` only when named) sorted by name (not recursing, and
 * skipping hidden files such as editor backups). A file named twice is read once. Files in
 * `exclude` (the command's own outputs, such as `--results` or `--out`) are left out of a
 * directory: a results file written next to the manifests is not read back as one. Nor are
 * the tool's own files of earlier runs, recognised by their content (a results file, a saved
 * plan), the file `stdoutFile` (this command's redirected stdout), an empty file, or what is
 * no regular file (a FIFO, a device, a socket: never opened); `onOwnFile` hears of each.
 * A FIFO named as a path (`plan <(generate)`) is taken, whatever its name: the caller reads
 * it once (ReadOptions.pipes). A path to a device, a socket or a pseudo-file of /proc, /sys
 * or /dev (also through a symlink, also in a directory) is refused, never opened.
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
    const kind = await inputKind(resolve(cwd, given), given);
    if (kind.kind === "directory") {
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
        const entry = await inputKind(resolve(cwd, file), file);
        if (entry.kind === "directory") continue; // a symlink to a directory: not listed either
        if (entry.kind === "pipe") {
          options.onOwnFile?.(file, "fifo");
          continue;
        }
        if (entry.kind === "special") {
          options.onOwnFile?.(file, entry.what === "a socket" ? "socket" : "device");
          continue;
        }
        const refused = refusal(file, entry);
        if (refused) throw refused;
        const own = await recogniseOwnFile(resolve(cwd, file), options.stdoutFile);
        if (own === undefined) add(file);
        else options.onOwnFile?.(file, own);
      }
    } else if (kind.kind === "pipe") {
      add(given); // read once, as a stream, by the caller: its name need not say its format
    } else {
      const refused = refusal(given, kind);
      if (refused) throw refused;
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
