import { extname } from "node:path";
import { openAtomicFile } from "../core/atomic-file.js";
import { UsageError } from "../core/errors.js";
import type { TextSink } from "../report/plan-report.js";
import { type ExportResult, type ExportStreamOptions, writeExport } from "./export-runs.js";
import { type KeyTemplate, parseKeyTemplate } from "./key-template.js";
import type { ExportFormat } from "./run-to-row.js";

/** The file names of each format: `--out`'s extension chooses the format. */
const EXTENSIONS: Record<ExportFormat, readonly string[]> = {
  csv: [".csv"],
  yaml: [".yaml", ".yml"],
};

/** `export`, with its flags' options. */
export interface ExportOptions extends Omit<ExportStreamOptions, "format" | "out" | "keyTemplate"> {
  /**
   * `--out FILE`: a path, written atomically (a failed export leaves no partial file); or a
   * sink that receives the manifest's text (the CLI's stdout).
   */
  out: TextSink | string;
  /** Where a relative `out` path is taken from; default the process's directory. */
  cwd?: string;
  /** `--format`: default from `out`'s extension when it is a path, else csv. */
  format?: ExportFormat;
  /** `--key-template`: for runs without a clientKey; default `run-{runId}`. */
  keyTemplate?: KeyTemplate | string;
}

/**
 * Writes Sift's runs as a manifest that `plan` reads back as "no changes", to a file
 * (atomically) or a sink.
 *
 * @example
 * const result = await exportRuns({ client, out: "runs.yaml", filter: "name.startsWith('TV')" });
 * console.log(`${result.runs} runs exported`);
 */
export async function exportRuns(options: ExportOptions): Promise<ExportResult> {
  const { out } = options;
  const format = chooseFormat(options.format, typeof out === "string" ? out : undefined);
  const keyTemplate =
    typeof options.keyTemplate === "string"
      ? parseKeyTemplate(options.keyTemplate)
      : options.keyTemplate;
  const stream = {
    client: options.client,
    filter: options.filter,
    includeArchived: options.includeArchived,
    onProgress: options.onProgress,
    format,
    keyTemplate,
  };
  if (typeof out !== "string") return writeExport({ ...stream, out });
  const file = openAtomicFile(out, "the export file", { cwd: options.cwd });
  try {
    const result = await writeExport({ ...stream, out: file });
    file.commit();
    return result;
  } finally {
    file.abort(); // after a commit, nothing is left to remove
  }
}

/** `--format`, else the extension of `--out`, else CSV; a mismatch is refused. */
export function chooseFormat(
  format: ExportFormat | undefined,
  out: string | undefined,
): ExportFormat {
  if (out === undefined) return format ?? "csv";
  const ext = extname(out).toLowerCase();
  const fromName = (Object.keys(EXTENSIONS) as ExportFormat[]).find((f) =>
    EXTENSIONS[f].includes(ext),
  );
  if (fromName === undefined) {
    throw new UsageError(
      `--out ${out}: expected a .csv, .yaml or .yml file (plan chooses a manifest's format by its extension)`,
    );
  }
  if (format !== undefined && format !== fromName) {
    throw new UsageError(`--out ${out} is a ${fromName} file name, but --format is ${format}`);
  }
  return fromName;
}
