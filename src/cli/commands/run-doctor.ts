import { ApiError, SyncError } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";
import type { DoctorFlags } from "../flags.js";
import type { CheckResult } from "../../doctor/check.js";
import { result } from "../../doctor/check.js";
import type { DoctorContext } from "../../doctor/context.js";
import { type DoctorFacts, runDoctor, skipped } from "../../doctor/doctor.js";
import { estimateCheck } from "../../doctor/estimate.js";
import { checkManifests, type ManifestFacts } from "../../doctor/manifest-checks.js";
import { runWriteProbe } from "../../doctor/write-probe.js";
import { DEFAULT_CONFIG_FILE } from "../../sources/default-config.js";
import { type SpooledInputs, spoolInputs, type SpoolWatch } from "../stdin.js";
import { createRecorder, type Recorder } from "../../doctor/recorder.js";
import { buildReport, renderJson, renderTable } from "../../doctor/render.js";
import type { CliIo } from "../io.js";
import type { CommandDeclaration } from "../lifecycle.js";
import { INTERRUPTED } from "../../report/failure.js";
import type { DoctorCommand, DoctorManifests } from "./doctor-options.js";

/**
 * The doctor command, over the one lifecycle: runs the checks, writes one report on stdout,
 * exits 0 when nothing blocks a sync, 1 otherwise (130/143 after Ctrl-C/SIGTERM, with the
 * checks done so far). Its session is its own: shorter timeouts, one retry, every request
 * recorded for the report.
 */
export function declareDoctor(
  read: () => Promise<DoctorCommand>,
  /** Read from the flags before the options: the report's format, and whether writes are probed. */
  early: { format: DoctorFlags["format"]; writeProbe: boolean },
  io: CliIo,
): CommandDeclaration<DoctorCommand> {
  const checks: CheckResult[] = [];
  let target: string | undefined;
  let recorder: Recorder | undefined;
  let written = false;
  const write = (interrupted = false) => {
    written = true;
    const report = buildReport(target, checks, interrupted);
    const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
    io.stdout.write(early.format === "json" ? renderJson(report) : renderTable(report, { color }));
    return report;
  };
  return {
    // Only the write probe writes to Sift: without it, there is nothing to finish.
    ...(!early.writeProbe && { graceMs: 0 }),
    options: read,
    // The one line at the first signal, as plan and apply give it (stop-note.ts).
    stopOutcome: () =>
      `the report holds the ${checks.length === 1 ? "check" : `${checks.length} checks`} done so far`,
    activity: {
      offline: "starting its checks",
      between: "checking (no request under way)",
    },
    session: (command) => (command.unconnected ? undefined : command.session),
    tuning: (command) => ({
      wrapFetch: (base) => (recorder = createRecorder(base)).fetch,
      timeoutMs: command.timeoutMs,
      retry: { maxAttempts: command.maxAttempts },
    }),
    // Stopped (or out of time after the signal): the report holds the checks done so far.
    end: ({ interrupted }) => {
      if (interrupted !== undefined && !written) write(true);
    },
    run: async (options, life) => {
      if (options.unconnected) {
        checks.push(options.unconnected);
        write();
        return EXIT.error;
      }
      const session = life.session!;
      target = session.target;
      const { connection } = session;
      const remote = connection.kind === "remote" ? connection : undefined;
      const ctx: DoctorContext = {
        client: session.client,
        recorder: recorder!,
        baseUrl: session.client.baseUrl,
        local: remote === undefined,
        urlSource: remote?.source ?? "--local",
        keySource: remote?.keySource ?? "--local",
        keyHint: session.keyHint,
        env: io.env,
        signal: life.stop.stopping.abort,
        logger: session.logger,
      };
      try {
        await runDoctor(ctx, {
          connectionWarnings: connection.warnings,
          onCheck: (check) => checks.push(check),
          after: (facts, add) => runLaterChecks(ctx, facts, add, options, io, life.spooling),
        });
      } catch (error) {
        if (life.interrupted() !== undefined || !(error instanceof ApiError)) throw error;
        // A request no check expected to fail this way: reported as a blocking line, not a crash.
        checks.push(
          result(
            { section: "connection", id: "doctor.error", title: "Doctor" },
            "fail",
            error.message,
            {
              todo: "run doctor again; if it persists, see --log-level debug",
            },
          ),
        );
        write();
        return EXIT.error;
      }
      const late = life.interrupted();
      if (late !== undefined) {
        life.end({ failure: INTERRUPTED, interrupted: late });
        return late;
      }
      return write().blocked ? EXIT.error : EXIT.ok;
    },
  };
}

/** Items 4-6: the manifests against Sift, the write probe (opt-in), the estimate. */
async function runLaterChecks(
  ctx: DoctorContext,
  facts: DoctorFacts,
  add: (check: CheckResult) => void,
  command: DoctorCommand,
  io: CliIo,
  spooling: SpoolWatch,
): Promise<void> {
  const online = facts.readable;
  const manifests = await checkInput(ctx, command.manifests, online, io, spooling);
  for (const check of manifests.checks) add(check);
  let writeMs: number | undefined;
  if (command.writeProbe) {
    if (facts.latency === undefined || !online) {
      add(skipped("write-probe", "the key could not read", "fix the ✗ lines above first"));
    } else {
      const probe = await runWriteProbe(ctx);
      for (const check of probe.checks) add(check);
      writeMs = probe.writeMs;
    }
  }
  const runs = command.estimate ?? manifests.facts?.runs;
  if (runs === undefined || runs === 0) return;
  if (facts.latency === undefined) {
    add(skipped("estimate", "no round trip was measured"));
    return;
  }
  const batch = facts.lookupBatch ?? 1;
  const names = manifests.facts
    ? Math.ceil(manifests.facts.assetNames / batch) +
      Math.ceil(manifests.facts.metadataKeys / batch)
    : 0;
  for (const check of estimateCheck({
    runs,
    lookupBatch: batch,
    latencyMs: facts.latency.medianMs,
    ...(writeMs !== undefined && { writeLatencyMs: writeMs }),
    concurrency: command.concurrency,
    ...(command.maxRps !== undefined && { maxRps: command.maxRps }),
    ...(command.estimate === undefined &&
      manifests.facts && { followUps: manifests.facts.followUps }),
    nameLookups: names,
    source: command.estimate !== undefined ? "--estimate" : "the manifests",
  })) {
    add(check);
  }
}

/** The manifests, when paths, --config or ./sift-run-sync.yaml give some. */
async function checkInput(
  ctx: DoctorContext,
  manifests: DoctorManifests,
  online: boolean,
  io: CliIo,
  spooling: SpoolWatch,
): Promise<{ checks: CheckResult[]; facts?: ManifestFacts }> {
  if (manifests.kind === "none") {
    const why = `no manifests given (paths, --config, or ./${DEFAULT_CONFIG_FILE})`;
    return {
      checks: [skipped("manifests", why, "`doctor runs.csv` checks them against Sift too")],
    };
  }
  const base = { section: "manifests", id: "manifests.offline", title: "Offline checks" } as const;
  const unreadable = (message: string) => ({
    checks: [result(base, "fail", message, { todo: "fix the input, as for plan" })],
  });
  if (manifests.kind === "unreadable") return unreadable(manifests.message);
  let spooled: SpooledInputs | undefined;
  try {
    const { options } = manifests;
    spooled = await spoolInputs(options.paths, manifests.stdinFormat, io, spooling);
    const all = {
      ...options,
      ...(spooled?.stdin && { stdin: spooled.stdin }),
      ...(spooled && { pipes: spooled.pipes }),
    };
    if (!online) {
      const offline = await checkManifests(ctx, all, { offlineOnly: true });
      return {
        checks: [
          ...offline.checks,
          skipped("manifests", "the key could not read the organization"),
        ],
      };
    }
    return await checkManifests(ctx, all);
  } catch (error) {
    if (!(error instanceof SyncError) || error instanceof ApiError) throw error;
    return unreadable(error.message);
  } finally {
    await spooled?.remove();
  }
}
