import type { Command } from "commander";
import { ApiError, EXIT, UsageError } from "../../core/errors.js";
import type { CheckResult } from "../../doctor/check.js";
import { result } from "../../doctor/check.js";
import { type DoctorFacts, runDoctor } from "../../doctor/doctor.js";
import { createRecorder, type Recorder } from "../../doctor/recorder.js";
import { buildReport, renderJson, renderTable } from "../../doctor/render.js";
import { resolveConnection } from "../../sift/connection.js";
import { listenForStop } from "../interrupt.js";
import type { CliIo } from "../io.js";
import { openSession, type Session } from "../session.js";
import type { DoctorFlags } from "./doctor.js";

/** doctor's requests give up sooner than a sync's: it reports, it does not have to finish. */
const DOCTOR_TIMEOUT_MS = 10_000;
/** Attempts per request: one retry, so a lost packet does not read as an outage. */
const DOCTOR_ATTEMPTS = 2;

/**
 * The doctor command: runs the checks, writes one report on stdout, exits 0 when nothing
 * blocks a sync, 1 otherwise (130/143 after Ctrl-C/SIGTERM, with the checks done so far).
 */
export async function runDoctorCommand(
  paths: string[],
  flags: DoctorFlags,
  command: Command,
  io: CliIo,
): Promise<number> {
  void paths;
  void command;
  const checks: CheckResult[] = [];
  let target: string | undefined;
  const stop = listenForStop(io, { graceMs: flags.writeProbe ? undefined : 0 });
  const signal = stop.stopping.abort;
  let session: Session | undefined;
  const write = (interrupted = false) => {
    const report = buildReport(target, checks, interrupted);
    const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
    io.stdout.write(flags.format === "json" ? renderJson(report) : renderTable(report, { color }));
    return report;
  };
  try {
    const connected = await connect(flags, io);
    if ("check" in connected) {
      checks.push(connected.check);
      write();
      return EXIT.error;
    }
    session = connected.session;
    const { recorder } = connected;
    target = session.target;
    const { connection } = session;
    const remote = connection.kind === "remote" ? connection : undefined;
    const ctx = {
      client: session.client,
      recorder,
      baseUrl: session.client.baseUrl,
      local: remote === undefined,
      urlSource: remote?.source ?? "--local",
      keySource: remote?.keySource ?? "--local",
      keyHint: session.keyHint,
      env: io.env,
      signal,
      logger: session.logger,
    };
    await runDoctor(ctx, {
      connectionWarnings: connection.warnings,
      onCheck: (check) => checks.push(check),
      after: async (facts: DoctorFacts, add) => {
        void facts;
        void add;
      },
    });
    const late = stop.exitCode();
    if (late !== undefined) {
      write(true);
      return late;
    }
    return write().blocked ? EXIT.error : EXIT.ok;
  } catch (error) {
    const interrupted = stop.exitCode();
    if (interrupted !== undefined) {
      write(true);
      return interrupted;
    }
    if (error instanceof ApiError) {
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
    throw error;
  } finally {
    stop.end();
    await session?.close();
  }
}

/** The session, or the check that says why there is none (no URL, no key, a bad URL). */
async function connect(
  flags: DoctorFlags,
  io: CliIo,
): Promise<{ session: Session; recorder: Recorder } | { check: CheckResult }> {
  try {
    resolveConnection({ flags, env: io.env }); // its problems are the first check's finding
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return {
      check: result(
        { section: "connection", id: "connection.source", title: "Target" },
        "fail",
        error.message,
        {
          todo: "doctor checks the API a sync would use: set it as for plan and apply",
        },
      ),
    };
  }
  let recorder: Recorder | undefined;
  const session = await openSession(flags, io, {
    wrapFetch: (base) => (recorder = createRecorder(base)).fetch,
    timeoutMs: flags.timeout !== undefined ? flags.timeout * 1000 : DOCTOR_TIMEOUT_MS,
    retry: { maxAttempts: DOCTOR_ATTEMPTS },
  });
  return { session, recorder: recorder! };
}
