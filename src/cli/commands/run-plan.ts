import { DEFAULT_UNICODE } from "../../core/unicode.js";
import { formatProblem, type Refusal } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";
import { explainRefusal } from "../../plan/guard.js";
import { plan } from "../../plan/plan.js";
import { describeFailure, type Failure, INTERRUPTED } from "../../report/failure.js";
import { createJsonReport } from "../../report/json-report.js";
import { createMarkdownReport } from "../../report/markdown-report.js";
import { createPlanFileWriter, type PlanFileWriter } from "../../report/plan-file.js";
import { combineReports, type PlanReport, type SavedPlanRef } from "../../report/plan-report.js";
import { countChange, createPlanSummary, hasChanges } from "../../plan/summary.js";
import { createTableReport } from "../../report/table-report.js";
import { escapeControl } from "../../report/safe-text.js";
import { listenForStop } from "../interrupt.js";
import { type CliIo, OutputClosedError } from "../io.js";
import { csvDialectOf } from "../options.js";
import { openSession, type Session } from "../session.js";
import { cacheOptionsOf, logCacheUse } from "./cache-flags.js";
import { refuseOverwritingInputs } from "./output-guard.js";
import { type SpooledInputs, spoolInputs } from "../stdin.js";
import type { PlanFlags } from "../flags.js";
import {
  noteOwnOutputs,
  outputFiles,
  parseAdoptBy,
  parseArchive,
  parseIgnore,
  planWarningLog,
  progressCallback,
  readSelection,
  startProgress,
  warnMissingKeys,
} from "./shared.js";

/**
 * The plan command (also `apply --dry-run`). Returns the exit code.
 *
 * stdout always receives one complete document: when the plan fails (an invalid manifest, an
 * unreachable API, Ctrl-C), the report ends with the failure and the counts decided so far.
 * A saved plan (`--out`) appears only when the plan is complete; its temporary file is
 * removed on any failure or interruption.
 */
export async function runPlan(paths: string[], flags: PlanFlags, io: CliIo): Promise<number> {
  const summary = createPlanSummary();
  let out: PlanReport | undefined; // the document on stdout
  let file: PlanFileWriter | undefined; // --out
  let ended = false;
  const endDocument = (failure?: Failure, saved?: SavedPlanRef, refusals?: readonly Refusal[]) => {
    if (ended) return;
    ended = true;
    (out ?? stdoutReport(flags.format, undefined, io)).end(summary, failure, saved, refusals);
  };
  /** Removes the unfinished plan file and ends the document with the failure. */
  const stopWith = (failure: Failure) => {
    file?.abort();
    try {
      endDocument(failure);
    } catch (error) {
      if (!(error instanceof OutputClosedError)) throw error;
    }
  };
  const stop = listenForStop(io, {
    // NOTE: plan writes nothing to Sift, so nothing is left to finish: stop at once.
    graceMs: 0,
    onStop: () => stopWith(INTERRUPTED),
  });
  const { abort: signal } = stop.stopping;
  let session: Session | undefined;
  let spooled: SpooledInputs | undefined;
  const progress = startProgress(flags, io, "planning");
  try {
    const ignore = parseIgnore(flags.ignore);
    const adoptBy = parseAdoptBy(flags.adoptBy);
    const archiveMissing = parseArchive(flags);
    const selectionNotes: string[] = [];
    const only = readSelection(flags, selectionNotes);
    const csv = csvDialectOf(flags); // a bad flag fails before anything is read
    await refuseOverwritingInputs(
      [flags.out ? { flag: "--out", path: flags.out } : undefined],
      {
        ...flags,
        paths,
      },
      io,
    );
    spooled = await spoolInputs(paths, flags.stdinFormat, io);
    session = await openSession(flags, io);
    const { logger } = session;
    await noteOwnOutputs(paths, flags, io, logger);
    for (const note of selectionNotes) logger.warn(note);
    out = stdoutReport(flags.format, session.target, io);
    if (flags.out !== undefined) {
      file = createPlanFileWriter(flags.out, {
        target: session.target,
        createdAt: new Date().toISOString(),
        options: {
          metadata: flags.metadata,
          ignore,
          mode: flags.mode,
          unicode: flags.unicode ?? DEFAULT_UNICODE,
          ...(flags.shard && { shard: `${flags.shard.index}/${flags.shard.count}` }),
          ...(adoptBy.length > 0 && { adoptBy }),
          ...(archiveMissing && { archiveScope: archiveMissing.scope }),
        },
        manifests: flags.syncConfig ? [flags.syncConfig.file] : paths,
      });
    }
    const report = combineReports(...(file ? [file, out] : [out]));
    // A near miss makes a second run: logged too, unless the report itself is on the terminal.
    const onTerminal = flags.format === "table" && io.stdout.isTTY === true;
    const nearMisses = planWarningLog(logger, (w) => !onTerminal && w.code === "adopt-near-miss");
    const result = await plan({
      paths,
      config: flags.syncConfig,
      cwd: io.cwd,
      exclude: outputFiles(flags),
      stdoutFile: io.stdoutFile,
      shard: flags.shard,
      csv,
      stdin: spooled?.stdin,
      pipes: spooled?.pipes,
      createAssets: session.createAssets,
      onWarning: (warning) => session?.logger.warn(formatProblem(warning)),
      client: session.client,
      metadata: flags.metadata,
      ignore,
      mode: flags.mode,
      unicode: flags.unicode ?? DEFAULT_UNICODE,
      clientKeyCheck: flags.clientKeyCheck,
      adoptBy,
      ...(archiveMissing && { archiveMissing }),
      signal,
      skipInvalid: flags.skipInvalid,
      maxChanges: flags.maxChanges,
      ...(only && { only }),
      cache: cacheOptionsOf(flags, io.cwd, session.target, logger),
      onChange: (change) => {
        if (ended) return;
        countChange(summary, change);
        report.add(change);
        nearMisses.add(change);
        // NOTE: stdout into a pipe buffers what its reader has not taken yet: wait for it,
        // or a 10,000-run plan read by a slower `jq` would sit in memory (~120 MB of text).
        return io.stdout.drained?.();
      },
      onProgress: progressCallback(progress),
    });
    progress.done();
    nearMisses.end();
    // Ctrl-C as the last run was planned: the handler ended the document and dropped --out.
    const late = stop.exitCode();
    if (late !== undefined) return late;
    // A refused plan is shown and saved whole, the refusal in every format and in the file
    // (apply --plan refuses it too).
    const { refusals } = result;
    file?.end(result.summary, undefined, undefined, refusals); // saved before stdout is ended: a closed stdout keeps a whole plan
    const digest = file?.digest();
    endDocument(undefined, flags.out && digest ? { path: flags.out, digest } : undefined, refusals);
    if (flags.out) session.logger.info({ out: flags.out, digest }, "plan saved");
    warnMissingKeys(session.logger, result.missingKeys);
    logCacheUse(session.logger, result.cache);
    if (refusals !== undefined) {
      for (const refusal of refusals) {
        const why =
          refusal.guard === "max-changes"
            ? `${refusal.message}; apply would refuse this plan`
            : explainRefusal(refusal);
        io.stderr.write(`error: ${escapeControl(why)}\n`);
      }
      return EXIT.guard;
    }
    if (result.summary.invalid > 0) return EXIT.error;
    return flags.detailedExitcode && hasChanges(result.summary) ? EXIT.changes : EXIT.ok;
  } catch (error) {
    progress.done();
    const interrupted = stop.exitCode();
    if (interrupted !== undefined) {
      file?.abort(); // created after the interrupt came, perhaps
      return interrupted; // the document was ended by the handler
    }
    stopWith(describeFailure(error));
    throw error;
  } finally {
    stop.end();
    await session?.close();
    await spooled?.remove();
  }
}

function stdoutReport(
  format: PlanFlags["format"],
  target: string | undefined,
  io: CliIo,
): PlanReport {
  switch (format) {
    case "json":
      return createJsonReport(io.stdout, { target });
    case "markdown":
      return createMarkdownReport(io.stdout);
    case "table":
      return createTableReport(io.stdout, { color: io.stdout.isTTY === true && !io.env.NO_COLOR });
    default:
      return format satisfies never;
  }
}
