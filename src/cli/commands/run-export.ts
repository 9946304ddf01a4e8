import { plural } from "../../core/words.js";
import { chooseFormat, exportRuns } from "../../export/export.js";
import type { ExportResult } from "../../export/export-runs.js";
import { parseKeyTemplate } from "../../export/key-template.js";
import { type AtomicFile, openAtomicFile } from "../../core/atomic-file.js";
import type { ExportFormat } from "../../export/run-to-row.js";
import { escapeControl } from "../../report/safe-text.js";
import { withStopping } from "../../sift/stoppable.js";
import { EXIT } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import type { CommandDeclaration } from "../lifecycle.js";
import { sessionOptionsOf, type SessionOptions } from "../session.js";
import { INTERRUPTED } from "../../report/failure.js";
import type { ExportFlags } from "../flags.js";
import { refuseOverwritingInputs } from "./output-guard.js";

/** export's flags as its options, read once. */
interface ExportCommand {
  flags: Pick<ExportFlags, "out" | "keyTemplate" | "filter" | "includeArchived" | "progress">;
  session: SessionOptions;
  format: ExportFormat;
  keyTemplate: ReturnType<typeof parseKeyTemplate>;
}

function readExportCommand(flags: ExportFlags): ExportCommand {
  return {
    flags,
    session: sessionOptionsOf(flags),
    format: chooseFormat(flags.format, flags.out),
    keyTemplate: parseKeyTemplate(flags.keyTemplate),
  };
}

/**
 * The export command, over the one lifecycle: exit 1 when some runs could not be written.
 * Interrupted, it says so on stderr (stdout may be the manifest itself) and writes no --out.
 */
export function declareExport(flags: ExportFlags, io: CliIo): CommandDeclaration<ExportCommand> {
  let file: AtomicFile | undefined;
  let reported = 0;
  return {
    // NOTE: export writes nothing to Sift, so nothing is left to finish: stop at once.
    graceMs: 0,
    options: () => readExportCommand(flags),
    // The one line at the first signal, as plan and apply give it (stop-note.ts).
    stopOutcome: () =>
      `${plural(reported, "run")} exported so far; ${flags.out === undefined ? "stdout holds an incomplete export" : `${escapeControl(flags.out)} was not written`}`,
    activity: { offline: "connecting to the API", between: "exporting (no request under way)" },
    check: ({ flags: given }) =>
      refuseOverwritingInputs(
        [given.out ? { flag: "--out", path: given.out } : undefined],
        { profile: flags.profile, local: flags.local },
        io,
      ),
    session: (command) => command.session,
    progress: (command) => ({ label: "exporting", enabled: command.flags.progress }),
    // Interrupted, the line at the signal said what is left; a failure's message is the error's.
    end: () => file?.abort(),
    run: async (command, life) => {
      const { out } = command.flags;
      file =
        out === undefined ? undefined : openAtomicFile(out, "the export file", { cwd: io.cwd });
      const result = await exportRuns({
        client: withStopping(life.session!.client, life.stop.stopping),
        filter: command.flags.filter,
        includeArchived: command.flags.includeArchived,
        format: command.format,
        keyTemplate: command.keyTemplate,
        out: file ?? io.stdout,
        onProgress: ({ runs }) => {
          life.progress.tick(runs - reported);
          reported = runs;
          // NOTE: stdout into a slower reader (`export | gzip`) buffers what it has not taken
          // yet: wait for it after each page, or a million-run export would sit in memory.
          return file === undefined ? io.stdout.drained?.() : undefined;
        },
      });
      life.progress.done();
      const late = life.interrupted(); // Ctrl-C as the last page came
      if (late !== undefined) {
        life.end({ failure: INTERRUPTED, interrupted: late });
        return late;
      }
      file?.commit();
      io.stderr.write(formatExportSummary(result, command.flags, command.format));
      return result.skippedCount > 0 ? EXIT.error : EXIT.ok;
    },
  };
}

/** What happened, on stderr (stdout may be the manifest itself). */
function formatExportSummary(
  result: ExportResult,
  flags: Pick<ExportFlags, "out" | "keyTemplate">,
  format: ExportFormat,
): string {
  const lines: string[] = [];
  const where = flags.out === undefined ? "stdout" : flags.out;
  let line = `exported ${plural(result.runs, "run")} to ${where} (${format})`;
  if (result.generatedKeys > 0) {
    line += `; ${plural(result.generatedKeys, "run")} had no clientKey: written with their runId and a key from ${flags.keyTemplate}, adopted by the next apply`;
  }
  lines.push(line);
  for (const { key, reason } of result.keysWithoutColumn) {
    lines.push(`note: metadata key ${JSON.stringify(key)} has no CSV column: ${reason}`);
  }
  for (const o of result.omissions) {
    const examples = o.examples.join(", ") + (o.count > o.examples.length ? ", ..." : "");
    lines.push(
      `note: ${o.field} not written for ${plural(o.count, "run")} (${examples}): it ${o.reason}; plan leaves it as Sift has it`,
    );
  }
  const unmanaged = formatUnmanagedNote(result.unmanagedMetadata);
  if (unmanaged !== undefined) lines.push(unmanaged);
  for (const s of result.skipped) lines.push(`error: run ${s.runId} not exported: ${s.reason}`);
  if (result.skippedCount > result.skipped.length) {
    lines.push(
      `error: ... and ${result.skippedCount - result.skipped.length} more runs not exported`,
    );
  }
  return lines.map((l) => escapeControl(l)).join("\n") + "\n";
}

/** One note for every relation (and unknown) metadata entry left out, naming the keys. */
function formatUnmanagedNote(noted: ExportResult["unmanagedMetadata"]): string | undefined {
  if (noted.runs === 0) return undefined;
  const keys = noted.keys.map((k) => `metadata.${k.key}`).join(", ");
  const examples = noted.examples.join(", ") + (noted.runs > noted.examples.length ? ", ..." : "");
  const what = [
    ...(noted.keys.some((k) => k.relation) ? ["relation values"] : []),
    ...(noted.keys.some((k) => !k.relation)
      ? ["values of a type or shape this tool does not know"]
      : []),
  ].join(" and ");
  return `note: ${keys} not written for ${plural(noted.runs, "run")} (${examples}): ${what} have no manifest form; plan and apply keep them as Sift has them, with --metadata merge or replace`;
}
