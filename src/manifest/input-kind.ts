import { realpath, stat } from "node:fs/promises";
import { sep } from "node:path";
import { UsageError } from "../core/errors.js";

/**
 * What a path given to read runs from is, found without opening it: opening a FIFO waits for
 * a writer (a FIFO in a manifest directory would hang the nightly job), a device may never end
 * (`/dev/zero`), and a pseudo-file of the kernel (`/proc/self/environ`, which `stat` reports
 * as a regular file of 0 bytes) holds the process's own secrets, the API key among them.
 *
 * - `file`: a regular file, to read;
 * - `directory`: to list;
 * - `pipe`: a FIFO (`mkfifo`, the `/dev/fd/63` of `plan <(generate)`), read once as a stream;
 * - `special`: a device or a socket, never opened;
 * - `pseudo`: a regular file whose real path (symlinks resolved) is under /proc, /sys or /dev.
 */
export type InputKind =
  | { kind: "file" }
  | { kind: "directory" }
  | { kind: "pipe" }
  | { kind: "special"; what: string }
  | { kind: "pseudo"; realPath: string; root: string };

/** The kernel's file systems: what a path resolves to there is no file a user wrote. */
const PSEUDO_ROOTS = ["/proc", "/sys", "/dev"];
/** Under /dev, a tmpfs of ordinary files (POSIX shared memory): files there are real. */
const REAL_UNDER_DEV = ["/dev/shm"];

/**
 * @example
 * await inputKind("/proc/self/environ") // { kind: "pseudo", realPath: "/proc/1234/environ", root: "/proc" }
 */
export async function inputKind(path: string, given = path): Promise<InputKind> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw unreadable(given, error);
  });
  if (info.isDirectory()) return { kind: "directory" };
  if (info.isFIFO()) return { kind: "pipe" };
  if (info.isSocket()) return { kind: "special", what: "a socket" };
  if (info.isCharacterDevice() || info.isBlockDevice())
    return { kind: "special", what: "a device" };
  if (!info.isFile()) return { kind: "special", what: "not a regular file" };
  const real = await realpath(path).catch(() => path);
  const root = pseudoRoot(real);
  return root === undefined ? { kind: "file" } : { kind: "pseudo", realPath: real, root };
}

/** The pseudo file system `path` (absolute, resolved) is under, if any. */
function pseudoRoot(path: string): string | undefined {
  const under = (root: string) => path === root || path.startsWith(root + sep);
  if (REAL_UNDER_DEV.some(under)) return undefined;
  return PSEUDO_ROOTS.find(under);
}

/** `/proc/self/environ: refused: ...`, for a path that is no file to read runs from. */
export function refusal(given: string, kind: InputKind): UsageError | undefined {
  switch (kind.kind) {
    case "pseudo": {
      const via = kind.realPath === given ? "" : ` (it resolves to ${kind.realPath})`;
      return new UsageError(
        `${given}: refused, never read: a pseudo-file of the kernel under ${kind.root}${via}, not a manifest`,
      );
    }
    case "special":
      return new UsageError(
        `${given}: refused, never opened: ${kind.what}, not a manifest file (a pipe, such as <(command), is read as a stream)`,
      );
    default:
      return undefined;
  }
}

/** A path `stat` could not follow, said plainly: a symlink loop says so. */
function unreadable(given: string, error: NodeJS.ErrnoException): UsageError {
  switch (error.code) {
    case "ENOENT":
      return new UsageError(`${given}: no such file or directory`, { cause: error });
    case "ELOOP":
      return new UsageError(
        `${given}: a symlink loop (ELOOP): following its links leads back to them, never to a file`,
        { cause: error },
      );
    case "EACCES":
    case "EPERM":
      return new UsageError(`${given}: permission denied (${error.code})`, { cause: error });
    case "ENOTDIR":
      return new UsageError(`${given}: a part of this path is not a directory (ENOTDIR)`, {
        cause: error,
      });
    default:
      return new UsageError(`${given}: cannot be read (${error.code ?? error.message})`, {
        cause: error,
      });
  }
}
