import { open } from "node:fs/promises";

/**
 * The tool's own output files, recognised by their content: a results file (`apply
 * --results`, CSV or JSONL) or a saved plan (`plan --out`, `--format json`). Kept in a
 * manifest directory (`apply exports/ --results exports/results-$(date +%F).csv`), they would
 * be read back as manifests the next night and fail on unknown columns.
 */
export type OwnFileKind = "results" | "plan";

/** How much of a file is read to recognise it: the header line or the JSON head. */
const HEAD_BYTES = 4096;

/** A results file's header starts with these columns, in this order (see results-file.ts). */
const RESULTS_HEADER =
  /^\s*"?clientKey"?\s*[,;\t|]\s*"?action"?\s*[,;\t|]\s*"?status"?\s*(?:[,;\t|]|$)/;
/** A plan document (and a saved plan) opens with its format version; no manifest does. */
const PLAN_HEAD = /^\s*\{\s*"version"\s*:/;

/** What kind of own file `path` is, or undefined for anything else (a manifest, unreadable). */
export async function recogniseOwnFile(path: string): Promise<OwnFileKind | undefined> {
  let head: string;
  try {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
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
  const what =
    kind === "results" ? "a results file (apply --results)" : "a saved plan (plan --out)";
  return `${file}: skipped, ${what} of sift-run-sync, not a manifest`;
}
