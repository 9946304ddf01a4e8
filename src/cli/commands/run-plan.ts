import { DEFAULT_UNICODE } from "../../core/unicode.js";
import { formatProblem, type Refusal } from "../../core/errors.js";
import { explainRefusal } from "../../plan/guard.js";
import { plan } from "../../plan/plan.js";
import type { Failure } from "../../report/failure.js";
import { createJsonReport } from "../../report/json-report.js";
import { createMarkdownReport } from "../../report/markdown-report.js";
import { createPlanFileWriter, type PlanFileWriter } from "../../report/plan-file.js";
import { combineReports, type PlanReport, type SavedPlanRef } from "../../report/plan-report.js";
import { countChange, createPlanSummary, hasChanges } from "../../plan/summary.js";
import { createTableReport } from "../../report/table-report.js";
import { escapeControl } from "../../report/safe-text.js";
import { EXIT } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import type { CommandDeclaration, Life } from "../lifecycle.js";
import { cacheOptionsOf, logCacheUse } from "./cache-flags.js";
import { refuseOverwritingInputs } from "./output-guard.js";
import { logDstDecisions } from "./dst-decisions.js";
import { planWarningLog, progressCallback, warnMissingKeys } from "./shared.js";
import { type PlanCommand, type SyncInput, syncInputs } from "./sync-options.js";

/**
 * The plan command (also `apply --dry-run`), over the one lifecycle (lifecycle.ts).
 *
 * stdout always receives one complete document: when the plan fails (an invalid manifest, an
 * unreachable API, Ctrl-C), the report ends with the failure and the counts decided so far.
 * A saved plan (`--out`) appears only when the plan is complete; its temporary file is
 * removed on any failure or interruption.
 */
export function declarePlan(
  read: () => PlanCommand,
  format: PlanCommand["format"],
  io: CliIo,
): CommandDeclaration<PlanCommand> {
  const summary = createPlanSummary();
  let out: PlanReport | undefined; // the document on stdout
  let file: PlanFileWriter | undefined; // --out
  let outPath: string | undefined;
  let ended = false;
  const endDocument = (failure?: Failure, saved?: SavedPlanRef, refusals?: readonly Refusal[]) => {
    if (ended) return;
    ended = true;
    (out ?? stdoutReport(format, undefined, io)).end(summary, failure, saved, refusals);
  };
  return {
    // NOTE: plan writes nothing to Sift, so nothing is left to finish: stop at once.
    graceMs: 0,
    options: read,
    stopOutcome: () =>
      `the plan is incomplete${outPath === undefined ? "" : `; ${escapeControl(outPath)} (--out) was not written`}`,
    activity: { offline: "reading the manifests", between: "planning (no request under way)" },
    check: (command) => {
      outPath = command.out;
      return refuseOverwritingInputs(
        [command.out ? { flag: "--out", path: command.out } : undefined],
        command.reads,
        io,
      );
    },
    inputs: syncInputs,
    session: (command) => command.session,
    progress: (command) => ({ label: "planning", enabled: command.progress }),
    endAtStop: true,
    /** Removes the unfinished plan file and ends the document with the failure. */
    end: ({ failure }) => {
      file?.abort();
      endDocument(failure);
    },
    run: async (command, life) => {
      try {
        return await runPlan(command, life);
      } catch (error) {
        file?.abort(); // created after the interrupt came, perhaps
        throw error;
      }
    },
  };

  async function runPlan(command: PlanCommand, life: Life): Promise<number> {
    // Interrupted while it started (its options, stdin, the session): the document is ended.
    const early = life.interrupted();
    if (early !== undefined) return early;
    const session = life.session!;
    const { logger } = session;
    const { sync } = command;
    for (const note of command.notes) logger.warn(note);
    out = stdoutReport(command.format, session.target, io);
    if (command.out !== undefined) {
      file = createPlanFileWriter(
        command.out,
        {
          target: session.target,
          createdAt: new Date().toISOString(),
          options: planFileOptions(sync),
          manifests: sync.config ? [sync.config.file] : sync.paths,
        },
        { cwd: io.cwd },
      );
    }
    const report = combineReports(...(file ? [file, out] : [out]));
    // A near miss makes a second run: logged too, unless the report itself is on the terminal.
    const onTerminal = command.format === "table" && io.stdout.isTTY === true;
    const nearMisses = planWarningLog(logger, (w) => !onTerminal && w.code === "adopt-near-miss");
    const result = await plan({
      ...sync,
      stdin: life.spooled?.stdin,
      pipes: life.spooled?.pipes,
      createAssets: session.createAssets,
      onWarning: (warning) => logger.warn(formatProblem(warning)),
      client: session.client,
      signal: life.stop.stopping.abort,
      cache: cacheOptionsOf(
        { ...command.cache, syncConfig: sync.config },
        io.cwd,
        session.target,
        logger,
      ),
      onChange: (change) => {
        if (ended) return;
        countChange(summary, change);
        report.add(change);
        nearMisses.add(change);
        // NOTE: stdout into a pipe buffers what its reader has not taken yet: wait for it,
        // or a 10,000-run plan read by a slower `jq` would sit in memory (~120 MB of text).
        return io.stdout.drained?.();
      },
      onProgress: progressCallback(life.progress),
    });
    life.progress.done();
    nearMisses.end();
    // Ctrl-C as the last run was planned: the lifecycle ended the document and dropped --out.
    const late = life.interrupted();
    if (late !== undefined) return late;
    // A refused plan is shown and saved whole, the refusal in every format and in the file
    // (apply --plan refuses it too).
    const { refusals } = result;
    file?.end(result.summary, undefined, undefined, refusals); // saved before stdout is ended: a closed stdout keeps a whole plan
    const digest = file?.digest();
    const saved = command.out && digest ? { path: command.out, digest } : undefined;
    endDocument(undefined, saved, refusals);
    if (command.out) logger.info({ out: command.out, digest }, "plan saved");
    warnMissingKeys(logger, result.missingKeys);
    logDstDecisions(logger, result.resolved);
    logCacheUse(logger, result.cache);
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
    return command.detailedExitcode && hasChanges(result.summary) ? EXIT.changes : EXIT.ok;
  }
}

/** What a saved plan records of the options it was made with. */
function planFileOptions(sync: SyncInput) {
  return {
    metadata: sync.metadata ?? "merge",
    ignore: [...(sync.ignore ?? [])],
    mode: sync.mode ?? "upsert",
    unicode: sync.unicode ?? DEFAULT_UNICODE,
    ...(sync.shard && { shard: `${sync.shard.index}/${sync.shard.count}` }),
    ...(sync.adoptBy && sync.adoptBy.length > 0 && { adoptBy: [...sync.adoptBy] }),
    ...(sync.archiveMissing && { archiveScope: sync.archiveMissing.scope }),
  };
}

function stdoutReport(
  format: PlanCommand["format"],
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
