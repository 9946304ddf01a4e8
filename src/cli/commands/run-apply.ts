import { apply } from "../../apply/apply.js";
import { applyPlanFile } from "../../apply/apply-plan-file.js";
import { countOutcome, createApplyCounts } from "../../apply/apply-work.js";
import type { ReadStop } from "../../apply/read-stop.js";
import { STOP_REASONS } from "../../apply/stop.js";
import { type RowResult, toResultRow } from "../../apply/work.js";
import { formatProblem, GuardError } from "../../core/errors.js";
import { formatApplySummary, formatApplySummaryJson } from "../../report/apply-summary.js";
import { describeFailure } from "../../report/failure.js";
import { createResultsWriter } from "../../report/results-file.js";
import { escapeControl } from "../../report/safe-text.js";
import { EXIT } from "../exit-codes.js";
import { type CliIo, OutputClosedError } from "../io.js";
import type { CommandDeclaration, Life } from "../lifecycle.js";
import { createRowLog } from "./apply-log.js";
import { cacheOptionsOf, logCacheUse } from "./cache-flags.js";
import { refuseOverwritingInputs } from "./output-guard.js";
import { logDstDecisions } from "./dst-decisions.js";
import { planWarningLog, progressCallback, warnMissingKeys } from "./shared.js";
import { type ApplyCommand, syncInputs } from "./sync-options.js";

type Summary = Parameters<typeof formatApplySummaryJson>[0];

/**
 * The apply command (from manifests, or exactly a saved plan), over the one lifecycle. stdout
 * gets one summary: at the end, or, when the apply failed, one with the error, or, when it did
 * not end in time after Ctrl-C, what is known then.
 */
export function declareApply(
  read: () => ApplyCommand,
  format: ApplyCommand["format"],
  io: CliIo,
): CommandDeclaration<ApplyCommand> {
  const counts = createApplyCounts();
  const started = performance.now();
  /** Rows reported so far, and how many the apply works through (known once it started). */
  const rows = { reported: 0, total: 0 };
  let savedPlan: string | undefined; // apply --plan FILE
  /** Stopped while reading: where, for a quit while the rows read are listed. */
  let readStop: ReadStop | undefined;
  let planned = false; // a row was planned: the checks before the first write are done
  const writeSummary = (summary: Summary) =>
    io.stdout.write(
      (format === "json" ? formatApplySummaryJson(summary) : formatApplySummary(summary)) + "\n",
    );
  return {
    options: read,
    stopOutcome: (graceMs, underWay) => {
      const grace = `${graceMs / 1000} s`;
      const left =
        underWay === 0
          ? ""
          : underWay === 1
            ? `; the request under way gets ${grace}, then is cut off`
            : `; the ${underWay} requests under way get ${grace}, then are cut off`;
      return `no new request starts${left} (Ctrl-C again to quit now)`;
    },
    activity: {
      get offline() {
        return savedPlan === undefined
          ? "reading the manifests"
          : `reading the saved plan ${escapeControl(savedPlan)}`;
      },
      get between() {
        // NOTE: every row is checked (against the sync cache, then looked up) before the first write.
        return planned || savedPlan !== undefined
          ? "applying (no request under way)"
          : "checking the rows before the first write (no request under way)";
      },
    },
    end: ({ error }) => {
      const { stopped: _, ...done } = counts;
      const elapsedMs = performance.now() - started;
      if (error === undefined) {
        // Not ended in time after a signal: the rows not reported yet count as skipped (and the
        // invalid rows read past those named, which a stop while reading counts without listing).
        const unlisted = Math.max(0, rows.total - rows.reported);
        const unread = readStop?.unread;
        const skipped = counts.skipped + unlisted + (unread?.unnamed ?? 0);
        writeSummary({ ...done, skipped, elapsedMs, interrupted: true, unread, unlisted });
      } else if (!(error instanceof OutputClosedError)) {
        // stdout still holds one document, in every format, saying why and what was done (a
        // refusal: which guard, its limit, what the plan would do, how to let it through).
        writeSummary({
          ...done,
          elapsedMs,
          error: describeFailure(error),
          ...(error instanceof GuardError && { refusals: error.refusals }),
        });
      }
    },
    check: (command) => {
      savedPlan = command.plan;
      // Before the results file's header is written.
      return refuseOverwritingInputs(
        [command.results === undefined ? undefined : { flag: "--results", path: command.results }],
        command.reads,
        io,
      );
    },
    inputs: syncInputs,
    session: (command) => command.session,
    progress: (command) => ({ label: "applying", enabled: command.progress }),
    run: (command, life) => runApply(command, life),
  };

  async function runApply(command: ApplyCommand, life: Life): Promise<number> {
    const session = life.session!;
    const { logger } = session;
    for (const note of command.notes) logger.warn(note);
    const results =
      command.results === undefined
        ? undefined
        : createResultsWriter(command.results, { cwd: io.cwd });
    const rowLog = createRowLog(logger);
    const planWarnings = planWarningLog(logger);
    const onResult = (row: RowResult) => {
      const line = toResultRow(row);
      countOutcome(counts, row.outcome);
      rows.reported++;
      rowLog.log(row, line);
      // NOTE: after the log line: a results file that cannot be written (a full disk) stops the
      // apply (applyWork), and the row is still told.
      results?.write(line);
    };
    const showProgress = progressCallback(life.progress);
    try {
      const common = {
        client: session.client,
        ...command.apply,
        stopping: life.stop.stopping,
        onResult,
        onReadStop: (stop: ReadStop) => {
          readStop = stop;
          rows.total = stop.rows;
        },
        onProgress: (p: { done: number; total: number }) => {
          rows.total = p.total;
          showProgress(p);
        },
      };
      const { sync } = command;
      const result =
        command.plan !== undefined
          ? await applyPlanFile({
              ...common,
              path: command.plan,
              cwd: io.cwd,
              target: session.target,
              expectDigest: command.expectDigest,
              skipInvalid: command.sync.skipInvalid,
            })
          : await apply({
              ...sync,
              ...common,
              stdin: life.spooled?.stdin,
              pipes: life.spooled?.pipes,
              createAssets: session.createAssets,
              onWarning: (warning) => logger.warn(formatProblem(warning)),
              cache: cacheOptionsOf(
                { ...command.cache, syncConfig: sync.config },
                io.cwd,
                session.target,
                logger,
              ),
              onChange: (change) => {
                planned = true;
                planWarnings.add(change);
              },
            });
      life.progress.done();
      planWarnings.end();
      if (result.missingKeys) warnMissingKeys(logger, result.missingKeys);
      logDstDecisions(logger, result.resolved);
      if ("cache" in result) logCacheUse(logger, result.cache);
      if (result.stopped?.error !== undefined) {
        logger.error({ error: result.stopped.error }, `the apply stopped: ${result.stopped.error}`);
      }
      rowLog.end();
      const { requests, retries } = session.client.stats();
      const planFile =
        command.plan !== undefined && "digest" in result && typeof result.digest === "string"
          ? { path: command.plan, digest: result.digest }
          : undefined;
      const signalled = life.interrupted() !== undefined;
      writeSummary({
        ...result,
        requests,
        retries,
        stopped: result.stopped && STOP_REASONS[result.stopped.kind],
        planFile,
        interrupted: result.interrupted || signalled,
      });
      // After Ctrl-C (or SIGTERM), whatever was left to do: the lifecycle makes it 130 (or 143).
      if (signalled || result.interrupted) return EXIT.interrupted;
      return result.failed > 0 || result.stopped !== undefined || result.plan.invalid > 0
        ? EXIT.error
        : EXIT.ok;
    } finally {
      life.progress.done();
      await results?.close();
    }
  }
}
