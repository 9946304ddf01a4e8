import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ApiError, SyncError, UsageError } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";
import type { CheckResult } from "../../doctor/check.js";
import { result } from "../../doctor/check.js";
import type { DoctorContext } from "../../doctor/context.js";
import { type DoctorFacts, runDoctor, skipped } from "../../doctor/doctor.js";
import { estimateCheck } from "../../doctor/estimate.js";
import { checkManifests, type ManifestFacts } from "../../doctor/manifest-checks.js";
import { runWriteProbe } from "../../doctor/write-probe.js";
import { DEFAULT_CONFIG_FILE } from "../../sources/default-config.js";
import { csvDialectOf } from "../options.js";
import { type SpooledInputs, spoolInputs } from "../stdin.js";
import { readInput } from "./plan.js";
import { parseAdoptBy, parseArchive, parseIgnore } from "./shared.js";
import { createRecorder, type Recorder } from "../../doctor/recorder.js";
import { buildReport, renderJson, renderTable } from "../../doctor/render.js";
import { resolveConnection } from "../../sift/connection.js";
import type { CliIo } from "../io.js";
import type { CommandDeclaration } from "../lifecycle.js";
import { INTERRUPTED } from "../../report/failure.js";
import type { DoctorFlags, PlanFlags } from "../flags.js";

/** doctor's requests give up sooner than a sync's: it reports, it does not have to finish. */
const DOCTOR_TIMEOUT_MS = 10_000;
/** Attempts per request: one retry, so a lost packet does not read as an outage. */
const DOCTOR_ATTEMPTS = 2;

/** doctor's options: the flags, and why there is no session, when there cannot be one. */
interface DoctorCommand {
  /** The first check's finding when no URL, no key or a bad URL leaves nothing to connect to. */
  unconnected?: CheckResult;
}

/**
 * The doctor command, over the one lifecycle: runs the checks, writes one report on stdout,
 * exits 0 when nothing blocks a sync, 1 otherwise (130/143 after Ctrl-C/SIGTERM, with the
 * checks done so far). Its session is its own: shorter timeouts, one retry, every request
 * recorded for the report.
 */
export function declareDoctor(
  paths: string[],
  flags: DoctorFlags,
  command: Command,
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
    io.stdout.write(flags.format === "json" ? renderJson(report) : renderTable(report, { color }));
    return report;
  };
  return {
    // Only the write probe writes to Sift: without it, there is nothing to finish.
    ...(!flags.writeProbe && { graceMs: 0 }),
    options: () => ({ ...unconnected(flags, io) }),
    session: (options) => (options.unconnected ? undefined : flags),
    tuning: {
      wrapFetch: (base) => (recorder = createRecorder(base)).fetch,
      timeoutMs: flags.timeout !== undefined ? flags.timeout * 1000 : DOCTOR_TIMEOUT_MS,
      // --retries, when given, is the user's; else one retry.
      retry: { maxAttempts: flags.retries !== undefined ? flags.retries + 1 : DOCTOR_ATTEMPTS },
    },
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
          after: (facts, add) => runLaterChecks(ctx, facts, add, { paths, flags, command, io }),
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

interface CommandInput {
  paths: string[];
  flags: DoctorFlags;
  command: Command;
  io: CliIo;
}

/** Items 4-6: the manifests against Sift, the write probe (opt-in), the estimate. */
async function runLaterChecks(
  ctx: DoctorContext,
  facts: DoctorFacts,
  add: (check: CheckResult) => void,
  input: CommandInput,
): Promise<void> {
  const { flags } = input;
  const online = facts.readable;
  const manifests = await checkInput(ctx, input, online);
  for (const check of manifests.checks) add(check);
  let writeMs: number | undefined;
  if (flags.writeProbe) {
    if (facts.latency === undefined || !online) {
      add(skipped("write-probe", "the key could not read", "fix the ✗ lines above first"));
    } else {
      const probe = await runWriteProbe(ctx);
      for (const check of probe.checks) add(check);
      writeMs = probe.writeMs;
    }
  }
  const runs = flags.estimate ?? manifests.facts?.runs;
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
    concurrency: flags.concurrency,
    ...(flags.maxRps !== undefined && { maxRps: flags.maxRps }),
    ...(flags.estimate === undefined &&
      manifests.facts && { followUps: manifests.facts.followUps }),
    nameLookups: names,
    source: flags.estimate !== undefined ? "--estimate" : "the manifests",
  })) {
    add(check);
  }
}

/** The manifests, when paths, --config or ./sift-run-sync.yaml give some. */
async function checkInput(
  ctx: DoctorContext,
  { paths, flags, command, io }: CommandInput,
  online: boolean,
): Promise<{ checks: CheckResult[]; facts?: ManifestFacts }> {
  const given =
    paths.length > 0 || flags.config !== undefined || existsSync(join(io.cwd, DEFAULT_CONFIG_FILE));
  if (!given) {
    const why = `no manifests given (paths, --config, or ./${DEFAULT_CONFIG_FILE})`;
    return {
      checks: [skipped("manifests", why, "`doctor runs.csv` checks them against Sift too")],
    };
  }
  let spooled: SpooledInputs | undefined;
  const base = { section: "manifests", id: "manifests.offline", title: "Offline checks" } as const;
  try {
    await readInput(paths, flags as unknown as PlanFlags, command, io);
    const options = {
      paths,
      config: flags.syncConfig,
      cwd: io.cwd,
      stdoutFile: io.stdoutFile,
      csv: csvDialectOf(flags),
      ...(flags.shard && { shard: flags.shard }),
      metadata: flags.metadata,
      ignore: parseIgnore(flags.ignore),
      mode: flags.mode,
      adoptBy: parseAdoptBy(flags.adoptBy),
    };
    const archiveMissing = parseArchive(flags);
    spooled = await spoolInputs(paths, flags.stdinFormat, io);
    const all = {
      ...options,
      ...(archiveMissing && { archiveMissing }),
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
    return {
      checks: [result(base, "fail", error.message, { todo: "fix the input, as for plan" })],
    };
  } finally {
    await spooled?.remove();
  }
}

/** The check that says why there is no session (no URL, no key, a bad URL), if there is none. */
function unconnected(flags: DoctorFlags, io: CliIo): { unconnected?: CheckResult } {
  try {
    resolveConnection({ options: flags, env: io.env }); // its problems are the first check's finding
    return {};
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return {
      unconnected: result(
        { section: "connection", id: "connection.source", title: "Target" },
        "fail",
        error.message,
        {
          todo: "doctor checks the API a sync would use: set it as for plan and apply",
        },
      ),
    };
  }
}
