import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { UsageError } from "../core/errors.js";
import type { ManifestFormat } from "../manifest/formats.js";
import type { CliIo } from "./io.js";

export interface SpooledStdin {
  path: string;
  format: ManifestFormat;
  /** Deletes the copy. */
  remove(): Promise<void>;
}

/**
 * When the paths hold `-`, copies standard input to a temporary file: the manifests are
 * read twice (validate everything, then plan), and a pipe can be read only once. Streams,
 * so a large export does not sit in memory. Undefined when no path is `-`.
 */
export async function spoolStdin(
  paths: readonly string[],
  format: ManifestFormat | undefined,
  io: CliIo,
): Promise<SpooledStdin | undefined> {
  if (!paths.includes("-")) return undefined;
  const stdin = io.stdin;
  if (stdin === undefined || stdin.isTTY === true) {
    throw new UsageError(
      "-: reads the manifest from standard input, but nothing is piped in (e.g. `cat runs.csv | sift-run-sync validate -`)",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-stdin-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, "stdin");
  try {
    await pipeline(stdin, createWriteStream(path));
  } catch (error) {
    await remove();
    throw new UsageError(`-: standard input could not be read (${String(error)})`, {
      cause: error,
    });
  }
  return { path, format: format ?? "csv", remove };
}
