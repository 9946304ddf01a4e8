import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

/** One line of `apply --results FILE`, read back from CSV or JSONL. */
export interface ResultLine {
  clientKey: string;
  action: string;
  status: string;
  runId: string;
  updateMask: string;
  error: string;
  source: string;
}

/** Reads a results file written by `apply --results` (by its extension). */
export function readResults(path: string): ResultLine[] {
  const text = readFileSync(path, "utf8");
  if (path.endsWith(".jsonl")) {
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const row = JSON.parse(line);
        return {
          clientKey: row.clientKey,
          action: row.action,
          status: row.status,
          runId: row.runId ?? "",
          updateMask: (row.updateMask ?? []).join(","),
          error: row.error ?? "",
          source: row.source,
        };
      });
  }
  return parse(text, { columns: true, skip_empty_lines: true }) as ResultLine[];
}

/**
 * What is wrong with a results file for `clientKeys`: each key exactly once, and each `ok`
 * line names the run Sift holds for it.
 */
export function diffResults(
  lines: readonly ResultLine[],
  clientKeys: readonly string[],
  runIdOf: (clientKey: string) => string | undefined,
): string[] {
  const problems: string[] = [];
  const count = new Map<string, number>();
  for (const line of lines) count.set(line.clientKey, (count.get(line.clientKey) ?? 0) + 1);
  for (const key of clientKeys) {
    if (count.get(key) !== 1) problems.push(`${key}: ${count.get(key) ?? 0} result lines`);
  }
  const wanted = new Set(clientKeys);
  for (const line of lines) {
    if (!wanted.has(line.clientKey)) problems.push(`${line.clientKey}: not in the manifest`);
    if (line.status === "ok" && line.runId !== runIdOf(line.clientKey)) {
      problems.push(`${line.clientKey}: runId ${line.runId}, Sift has ${runIdOf(line.clientKey)}`);
    }
    if (line.status !== "ok" && line.error === "") problems.push(`${line.clientKey}: no error`);
  }
  return problems;
}
