import { open } from "node:fs/promises";

/**
 * Files of a manifest directory that are no manifest, skipped with a note: the tool's own
 * output files, recognised by their content, a results file (`apply --results`, CSV or JSONL)
 * or a saved plan (`plan --out`, `--format json`), or an apply summary (`--format json`); the file this command's stdout is
 * redirected to (`plan dir/ --format json > dir/plan.json`: the shell creates it, empty,
 * before the command starts); and any empty file. Kept in a manifest directory
 * (`apply exports/ --results exports/results-$(date +%F).csv`), they would be read back as
 * manifests and fail on unknown columns, or on a missing header.
 */
export type OwnFileKind =
  | "results"
  | "plan"
  | "summary"
  | "stdout"
  | "empty"
  /** No regular file, never opened (opening a FIFO waits for a writer). */
  | "fifo"
  | "device"
  | "socket";

/** A file by identity, whatever its name: the file a command's stdout is redirected to. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** How much of a file is read to recognise it: the header line or the JSON head. */
const HEAD_BYTES = 4096;

/** A results file's header starts with these columns, in this order (see results-file.ts). */
const RESULTS_HEADER =
  /^\s*"?clientKey"?\s*[,;\t|]\s*"?action"?\s*[,;\t|]\s*"?status"?\s*(?:[,;\t|]|$)/;
/**
 * A plan document (and a saved plan) opens with its format version, then its target (or, when
 * it has none, its changes). Not the version alone: an export may open with a version of its
 * own (`{"version": 2, "data": {"items": [...]}}`, read with `records: data.items`).
 */
const PLAN_HEAD = /^\s*\{\s*"version"\s*:\s*\d+\s*,\s*"(?:target|changes)"\s*:/;
/** `apply --format json` prints its summary, which opens with the count of runs created. */
const SUMMARY_HEAD = /^\s*\{\s*"created"\s*:\s*\d/;

/**
 * What kind of own file `path` is, or undefined for anything else (a manifest, unreadable).
 * `stdout`: the file this command's stdout goes to, if it is a file.
 */
export async function recogniseOwnFile(
  path: string,
  stdout?: FileIdentity,
): Promise<OwnFileKind | undefined> {
  let head: string;
  try {
    const handle = await open(path, "r");
    try {
      if (stdout !== undefined) {
        const { dev, ino } = await handle.stat();
        // NOTE: by identity, not by content: what this command writes there changes its content
        // between the passes that read the directory (validating, then planning).
        if (dev === stdout.dev && ino === stdout.ino) return "stdout";
      }
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      if (bytesRead === 0) return "empty";
      head = buffer
        .subarray(0, bytesRead)
        .toString("utf8")
        .replace(/^\uFEFF/, "");
    } finally {
      await handle.close();
    }
  } catch {
    return undefined; // reading it as a manifest will say what is wrong
  }
  if (PLAN_HEAD.test(head)) return "plan";
  if (SUMMARY_HEAD.test(head)) return "summary";
  const firstLine = head.split(/\r?\n/, 1)[0] ?? "";
  if (RESULTS_HEADER.test(firstLine)) return "results";
  if (isResultsJsonLine(firstLine)) return "results";
  return undefined;
}

/** A JSONL results line: an object with clientKey, action and status (no manifest row has the last two). */
function isResultsJsonLine(line: string): boolean {
  if (!line.trimStart().startsWith("{")) return false;
  try {
    const row = JSON.parse(line) as Record<string, unknown>;
    return (
      typeof row === "object" &&
      row !== null &&
      "clientKey" in row &&
      "action" in row &&
      "status" in row
    );
  } catch {
    return false;
  }
}

/** `exports/results-2024-05-01.csv: skipped, a results file of sift-run-sync, not a manifest` */
export function describeOwnFile(file: string, kind: OwnFileKind): string {
  switch (kind) {
    case "results":
      return `${file}: skipped, a results file (apply --results) of sift-run-sync, not a manifest`;
    case "plan":
      return `${file}: skipped, a saved plan (plan --out) of sift-run-sync, not a manifest`;
    case "summary":
      return `${file}: skipped, an apply summary (apply --format json) of sift-run-sync, not a manifest`;
    case "stdout":
      return `${file}: skipped, the output of this command (its stdout is redirected there), not a manifest`;
    case "empty":
      return `${file}: skipped, an empty file (0 bytes), not a manifest`;
    case "fifo":
      return `${file}: skipped, a FIFO (named pipe), not a regular file: never opened (name it as a path to read it once)`;
    case "device":
      return `${file}: skipped, a device, not a regular file: never opened`;
    case "socket":
      return `${file}: skipped, a socket, not a regular file: never opened`;
    default:
      return kind satisfies never;
  }
}
