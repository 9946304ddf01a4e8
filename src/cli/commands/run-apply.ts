import { DEFAULT_UNICODE } from "../../core/unicode.js";
import { apply } from "../../apply/apply.js";
import { applyPlanFile } from "../../apply/apply-plan-file.js";
import { type ApplyCounts, countOutcome, createApplyCounts } from "../../apply/apply-work.js";
import { describeSkip, formatSkippedLine, STOP_REASONS } from "../../apply/stop.js";
import { type RowResult, toResultRow } from "../../apply/work.js";
import { formatProblem, GuardError, UsageError } from "../../core/errors.js";
import { EXIT, EXIT_SIGNAL } from "../exit-codes.js";
import {
  formatApplySummary,
  formatApplySummaryJson,
  formatRowOutcome,
} from "../../report/apply-summary.js";
import { describeFailure } from "../../report/failure.js";
import { DIGEST_PATTERN } from "../../report/plan-file.js";
import { createResultsWriter, resultsFormatOf } from "../../report/results-file.js";
import { STOP_GRACE_MS } from "../../core/stopping.js";
import { type CommandStop, listenForStop } from "../interrupt.js";
import { type CliIo, OutputClosedError } from "../io.js";
import { csvDialectOf } from "../options.js";
import { openSession } from "../session.js";
import { spoolInputs } from "../stdin.js";
import { cacheOptionsOf, logCacheUse } from "./cache-flags.js";
import { refuseOverwritingInputs } from "./output-guard.js";
import type { ApplyFlags } from "../flags.js";
import { runPlan } from "./run-plan.js";
import {
  planWarningLog,
  noteOwnOutputs,
  outputFiles,
  parseAdoptBy,
  parseArchive,
  parseIgnore,
  progressCallback,
  readSelection,
  startProgress,
  warnMissingKeys,
} from "./shared.js";

/** The log message of a row done. */
const DONE = {
  create: "created",
  update: "updated",
  adopt: "adopted",
  archive: "archived",
  unarchive: "unarchived",
} as const;

export async function runApply(paths: string[], flags: ApplyFlags, io: CliIo): Promise<number> {
  if (flags.plan !== undefined && paths.length > 0) {
    throw new UsageError("give either manifest paths or --plan FILE, not both");
  }
  if (flags.plan === undefined && paths.length === 0 && flags.syncConfig === undefined) {
    throw new UsageError("give manifest paths (files or directories), or --plan FILE");
  }
  if (flags.detailedExitcode && !flags.dryRun) {
    throw new UsageError("--detailed-exitcode goes with --dry-run (or use `plan`)");
  }
  if (flags.dryRun) {
    if (flags.plan !== undefined)
      throw new UsageError("--dry-run plans from manifests; it cannot take --plan");
    return runPlan(paths, flags, io);
  }
  const counts = createApplyCounts();
  const started = performance.now();
  /** Rows reported so far, and how many the apply works through (known once it started). */
  const rows = { reported: 0, total: 0 };
  const stop = listenForStop(io, {
    onStop: () =>
      io.stderr.write(
        `\nstopping: no new request starts; requests under way get ${STOP_GRACE_MS / 1000} s, then are cut off (Ctrl-C again to quit now)\n`,
      ),
    quit: () => {
      // What is known now: the rows not reported yet count as skipped.
      const skipped = counts.skipped + Math.max(0, rows.total - rows.reported);
      const { stopped: _, ...done } = counts;
      const summary = {
        ...done,
        skipped,
        elapsedMs: performance.now() - started,
        interrupted: true,
      };
      io.stdout.write(
        (flags.format === "json" ? formatApplySummaryJson(summary) : formatApplySummary(summary)) +
          "\n",
      );
    },
  });
  try {
    return await runApplyCommand(paths, flags, io, { counts, rows, stop });
  } catch (error) {
    // stdout still holds one document, in every format, saying why and what was done (a
    // refusal: which guard, its limit, what the plan would do, how to let it through).
    if (!(error instanceof OutputClosedError)) {
      const elapsedMs = performance.now() - started;
      const { stopped: _, ...done } = counts;
      const summary = {
        ...done,
        elapsedMs,
        error: describeFailure(error),
        ...(error instanceof GuardError && { refusals: error.refusals }),
      };
      io.stdout.write(
        (flags.format === "json" ? formatApplySummaryJson(summary) : formatApplySummary(summary)) +
          "\n",
      );
    }
    throw error;
  } finally {
    stop.end();
  }
}

interface ApplyState {
  counts: ApplyCounts;
  rows: { reported: number; total: number };
  stop: CommandStop;
}

async function runApplyCommand(
  paths: string[],
  flags: ApplyFlags,
  io: CliIo,
  { counts, rows, stop }: ApplyState,
): Promise<number> {
  const ignore = parseIgnore(flags.ignore);
  const adoptBy = parseAdoptBy(flags.adoptBy);
  const archiveMissing = parseArchive(flags);
  if (flags.results !== undefined) resultsFormatOf(flags.results); // a bad name fails before any work
  if (flags.plan !== undefined) refuseWithPlan(flags);
  const expectDigest = readExpectedDigest(flags);
  const selectionNotes: string[] = [];
  const only = readSelection(flags, selectionNotes);
  csvDialectOf(flags);
  const resultsFile =
    flags.results === undefined ? undefined : { flag: "--results", path: flags.results };
  await refuseOverwritingInputs([resultsFile], { ...flags, paths }, io); // before the header is written
  const spooled = await spoolInputs(paths, flags.stdinFormat, io);
  const session = await openSession(flags, io).catch(async (error: unknown) => {
    await spooled?.remove();
    throw error;
  });
  const { logger } = session;
  await noteOwnOutputs(paths, flags, io, logger);
  for (const note of selectionNotes) logger.warn(note);
  const progress = startProgress(flags, io, "applying");
  const results = flags.results === undefined ? undefined : createResultsWriter(flags.results);
  /** Rows skipped for a reason many share: one log line per reason at the end, not one per row. */
  const grouped = new Map<string, number>();
  const planWarnings = planWarningLog(session.logger);
  const onResult = (row: RowResult) => {
    const line = toResultRow(row);
    countOutcome(counts, row.outcome);
    rows.reported++;
    logRow(row, line);
    // NOTE: after the log line: a results file that cannot be written (a full disk) stops the
    // apply (applyWork), and the row is still told.
    results?.write(line);
  };
  const logRow = (row: RowResult, line: ReturnType<typeof toResultRow>) => {
    // An apply refused for invalid rows: the error lists their problems once, not per row.
    if (row.outcome.status === "failed" && row.outcome.grouped) return;
    if (row.outcome.status === "skipped" && row.outcome.skip) {
      const reason = describeSkip(row.outcome.skip);
      grouped.set(reason, (grouped.get(reason) ?? 0) + 1);
      return;
    }
    const fields = {
      clientKey: line.clientKey,
      source: line.source,
      action: line.action,
      runId: line.runId,
      updateMask: line.updateMask,
    };
    const { outcome } = row;
    if (outcome.status === "failed")
      session.logger.error(fields, formatRowOutcome(line, { color: false }));
    else if (outcome.status === "skipped")
      session.logger.warn(fields, formatRowOutcome(line, { color: false }));
    else if (outcome.status === "ok" && outcome.action !== "unchanged")
      session.logger.info(fields, DONE[outcome.action]);
  };
  const showProgress = progressCallback(progress);
  try {
    const common = {
      client: session.client,
      concurrency: flags.concurrency,
      failFast: flags.failFast,
      stopping: stop.stopping,
      onResult,
      onProgress: (p: { done: number; total: number }) => {
        rows.total = p.total;
        showProgress(p);
      },
    };
    const result =
      flags.plan !== undefined
        ? await applyPlanFile({
            ...common,
            path: flags.plan,
            target: session.target,
            expectDigest,
            skipInvalid: flags.skipInvalid,
          })
        : await apply({
            ...common,
            paths,
            config: flags.syncConfig,
            cwd: io.cwd,
            exclude: outputFiles(flags),
            stdoutFile: io.stdoutFile,
            shard: flags.shard,
            csv: csvDialectOf(flags),
            stdin: spooled?.stdin,
            pipes: spooled?.pipes,
            createAssets: session.createAssets,
            onWarning: (warning) => session.logger.warn(formatProblem(warning)),
            metadata: flags.metadata,
            ignore,
            mode: flags.mode,
            unicode: flags.unicode ?? DEFAULT_UNICODE,
            clientKeyCheck: flags.clientKeyCheck,
            adoptBy,
            ...(archiveMissing && { archiveMissing }),
            skipInvalid: flags.skipInvalid,
            maxChanges: flags.maxChanges,
            limit: flags.limit,
            ...(only && { only }),
            cache: cacheOptionsOf(flags, io.cwd, session.target, logger),
            onChange: planWarnings.add,
          });
    progress.done();
    planWarnings.end();
    if (result.missingKeys) warnMissingKeys(session.logger, result.missingKeys);
    if ("cache" in result) logCacheUse(session.logger, result.cache);
    if (result.stopped?.error !== undefined) {
      session.logger.error(
        { error: result.stopped.error },
        `the apply stopped: ${result.stopped.error}`,
      );
    }
    for (const [reason, n] of grouped) {
      session.logger.warn({ skipped: n }, formatSkippedLine(n, reason));
    }
    const { requests, retries } = session.client.stats();
    const stopped = result.stopped && STOP_REASONS[result.stopped.kind];
    const planFile =
      flags.plan !== undefined && "digest" in result && typeof result.digest === "string"
        ? { path: flags.plan, digest: result.digest }
        : undefined;
    const signalled = stop.exitCode() !== undefined;
    const summary = {
      ...result,
      requests,
      retries,
      stopped,
      planFile,
      interrupted: result.interrupted || signalled,
    };
    io.stdout.write(
      (flags.format === "json" ? formatApplySummaryJson(summary) : formatApplySummary(summary)) +
        "\n",
    );
    // After Ctrl-C (or SIGTERM), whatever was left to do: 130 (or 143).
    if (signalled || result.interrupted) return stop.exitCode() ?? EXIT_SIGNAL.SIGINT;
    return result.failed > 0 || result.stopped !== undefined || result.plan.invalid > 0
      ? EXIT.error
      : EXIT.ok;
  } finally {
    progress.done();
    await results?.close();
    await session.close();
    await spooled?.remove();
  }
}

/** `--expect-digest sha256:...`, only with --plan; hex digits in any case. */
function readExpectedDigest(flags: ApplyFlags): string | undefined {
  if (flags.expectDigest === undefined) return undefined;
  if (flags.plan === undefined) {
    throw new UsageError("--expect-digest goes with --plan FILE: it is the digest of that file");
  }
  const digest = flags.expectDigest.trim().toLowerCase();
  if (!DIGEST_PATTERN.test(digest)) {
    throw new UsageError(
      `--expect-digest: expected sha256: and 64 hex digits (as plan --out prints), got ${JSON.stringify(flags.expectDigest)}`,
    );
  }
  return digest;
}

/** A saved plan is applied exactly: flags that would re-plan or select rows do not apply. */
function refuseWithPlan(flags: ApplyFlags): void {
  const named = [
    flags.maxChanges && "--max-changes",
    flags.only && "--only",
    flags.retryFailed && "--retry-failed",
    flags.adoptBy && "--adopt-by",
    flags.archiveMissing && "--archive-missing",
  ].filter(Boolean);
  if (named.length > 0) {
    throw new UsageError(
      `${named.join(", ")} select or check what is planned: give ${named.length === 1 ? "it" : "them"} to \`plan --out\`, not to \`apply --plan\``,
    );
  }
}
