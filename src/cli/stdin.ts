import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UsageError } from "../core/errors.js";
import type { ManifestFormat } from "../manifest/index.js";
// Not index.ts: the lifecycle loads this file for every command, export too, and index.ts
// would load every reader (csv-parse, yaml) with it.
import { formatOf } from "../manifest/light.js";
import type { CliIo } from "./io.js";

export interface SpooledInputs {
  /** What the path `-` reads: standard input's copy, when a path is `-`. */
  stdin?: { path: string; format: ManifestFormat };
  /** Each FIFO named as a path (`<(generate)`), by the path as given: its copy. */
  pipes: Map<string, { path: string; format: ManifestFormat }>;
  /** Deletes the copies. */
  remove(): Promise<void>;
}

/**
 * Filled in by spoolInputs as soon as the copies' directory exists (while standard input is
 * still being copied, too): an exit that cannot wait for `remove` (Ctrl-C in validate, the
 * deadline after a signal) deletes the copies with it.
 */
export interface SpoolWatch {
  removeNow?: () => void;
}

/**
 * When the paths hold `-` or name a FIFO (`plan <(generate)`, a `mkfifo` file), copies each
 * such stream to a private temporary file: the manifests are read twice (validate everything,
 * then plan), and a pipe can be read only once. Streams, so a large export does not sit in
 * memory. A FIFO's format is its name's (`runs.yaml`), else `format` (`--stdin-format`), as for
 * standard input. Undefined when there is nothing to copy.
 */
export async function spoolInputs(
  paths: readonly string[],
  format: ManifestFormat | undefined,
  io: CliIo,
  spooling: SpoolWatch = {},
): Promise<SpooledInputs | undefined> {
  const fifos: string[] = [];
  for (const path of new Set(paths)) {
    if (path === "-") continue;
    const info = await stat(resolve(io.cwd, path)).catch(() => undefined);
    if (info?.isFIFO()) fifos.push(path); // anything else is read (or refused) by the reader
  }
  const readsStdin = paths.includes("-");
  if (!readsStdin && fifos.length === 0) return undefined;
  const stdin = io.stdin;
  if (readsStdin && (stdin === undefined || stdin.isTTY === true)) {
    throw new UsageError(
      "-: reads the manifest from standard input, but nothing is piped in (e.g. `cat runs.csv | sift-run-sync validate -`)",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-stdin-"));
  spooling.removeNow = () => rmSync(dir, { recursive: true, force: true });
  const remove = () => rm(dir, { recursive: true, force: true });
  const spooled: SpooledInputs = { pipes: new Map(), remove };
  const copy = async (from: AsyncIterable<Uint8Array> | Readable, name: string, to: string) => {
    try {
      await pipeline(from, createWriteStream(to, { mode: 0o600 }));
    } catch (error) {
      await remove();
      throw new UsageError(`${name} could not be read (${String(error)})`, { cause: error });
    }
  };
  if (readsStdin) {
    const path = join(dir, "stdin");
    await copy(stdin!, "-: standard input", path);
    spooled.stdin = { path, format: format ?? "csv" };
  }
  for (const [i, fifo] of fifos.entries()) {
    const path = join(dir, `pipe-${i}`);
    await copy(createReadStream(resolve(io.cwd, fifo)), `${fifo}: the pipe`, path);
    spooled.pipes.set(fifo, { path, format: formatOf(fifo) ?? format ?? "csv" });
  }
  return spooled;
}
