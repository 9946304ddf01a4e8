import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { inCwd } from "./cwd-path.js";
import { UsageError } from "./errors.js";
import { redactingWriter } from "./secrets.js";

/** Writes go to disk in chunks of this size: few system calls, bounded memory. */
const WRITE_CHUNK_CHARS = 64 * 1024;

export interface AtomicFile {
  write(text: string): void;
  /** Flushes, fsyncs and renames the temporary file over the target. */
  commit(): void;
  /** Removes the temporary file; the target is left as it was. Safe to call twice. */
  abort(): void;
}

/**
 * A file that appears whole or not at all: written to `FILE.<pid>-<random>.tmp` beside it,
 * then renamed over FILE. An interrupted or failed command never leaves half a file. `what`
 * names the file in errors (`cannot write the plan file plan.json: ENOSPC ...`). A relative
 * `path` is taken from `cwd` (the command's, which tests and embedders inject), by default
 * the process's; errors name it as given.
 */
export function openAtomicFile(
  given: string,
  what: string,
  options: { cwd?: string } = {},
): AtomicFile {
  const attempt = <T>(action: () => T): T => attemptTo(`${what} ${given}`, action);
  const path = inCwd(given, options.cwd);
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const fd = attempt(() => openSync(temp, "wx"));
  let open = true;
  let buffer = "";
  // Every known key is redacted from what the file holds, whatever the write boundaries.
  const redacted = redactingWriter({
    write(text: string) {
      buffer += text;
    },
  });
  const flush = () => {
    if (buffer === "") return;
    const chunk = buffer;
    buffer = "";
    attempt(() => writeSync(fd, chunk));
  };
  const abort = () => {
    if (!open) return;
    open = false;
    closeSync(fd);
    rmSync(temp, { force: true });
  };
  return {
    write(text) {
      if (!open) return;
      redacted.write(text);
      if (buffer.length >= WRITE_CHUNK_CHARS) guard(abort, flush);
    },
    commit() {
      if (!open) return;
      guard(abort, () => {
        redacted.flush();
        flush();
        fsyncSync(fd);
        closeSync(fd);
        open = false;
        try {
          attempt(() => renameSync(temp, path));
        } catch (error) {
          rmSync(temp, { force: true });
          throw error;
        }
      });
    },
    abort,
  };
}

/** Runs `action`; on an exception, cleans up with `abort` and rethrows. */
export function guard(abort: () => void, action: () => void): void {
  try {
    action();
  } catch (error) {
    abort();
    throw error;
  }
}

/** File system errors become a UsageError naming the file. */
function attemptTo<T>(file: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot write ${file}: ${reason}`, { cause: error });
  }
}
