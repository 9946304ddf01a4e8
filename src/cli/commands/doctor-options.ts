import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ApiError, SyncError, UsageError } from "../../core/errors.js";
import type { CheckResult } from "../../doctor/check.js";
import { result } from "../../doctor/check.js";
import type { ManifestCheckOptions } from "../../doctor/plan-checks.js";
import type { ManifestFormat } from "../../manifest/index.js";
import { DEFAULT_CONFIG_FILE } from "../../sources/default-config.js";
import { resolveConnection } from "../../sift/connection.js";
import type { DoctorFlags } from "../flags.js";
import type { CliIo } from "../io.js";
import { csvDialectOf } from "../options.js";
import { sessionOptionsOf, type SessionOptions } from "../session.js";
import { readInput } from "./plan.js";
import { parseAdoptBy, parseArchive, parseIgnore } from "./shared.js";

/** doctor's requests give up sooner than a sync's: it reports, it does not have to finish. */
const DOCTOR_TIMEOUT_MS = 10_000;
/** Attempts per request: one retry, so a lost packet does not read as an outage. */
const DOCTOR_ATTEMPTS = 2;

/** doctor's flags as typed options, read once (run-doctor.ts). */
export interface DoctorCommand {
  writeProbe: boolean;
  /** `--estimate N`: the runs of the backfill estimated; else the manifests'. */
  estimate?: number;
  /** The estimate's pace: `--concurrency`, `--max-rps` (or the sync config's). */
  concurrency: number;
  maxRps?: number;
  session: SessionOptions;
  /** Shorter than a sync's: `--timeout` (else 10 s), `--retries` (else one retry). */
  timeoutMs: number;
  maxAttempts: number;
  /** The first check's finding when no URL, no key or a bad URL leaves nothing to connect to. */
  unconnected?: CheckResult;
  manifests: DoctorManifests;
}

/** The manifests doctor checks: none given, unreadable (a check's finding), or read. */
export type DoctorManifests =
  | { kind: "none" }
  | { kind: "unreadable"; message: string }
  | { kind: "given"; options: ManifestCheckOptions; stdinFormat?: ManifestFormat };

/**
 * doctor's options. The connection's settings are taken before the sync config's `options`
 * apply (doctor's session is its own), the manifests' after, as plan reads them; a problem
 * reading them is not a failure of doctor but the manifests check's finding.
 */
export async function readDoctorCommand(
  paths: string[],
  flags: DoctorFlags,
  command: Command,
  io: CliIo,
): Promise<DoctorCommand> {
  const session = sessionOptionsOf(flags);
  const timeoutMs = flags.timeout !== undefined ? flags.timeout * 1000 : DOCTOR_TIMEOUT_MS;
  const maxAttempts = flags.retries !== undefined ? flags.retries + 1 : DOCTOR_ATTEMPTS;
  const unconnected = unconnectedCheck(session, io);
  const manifests = await readManifestOptions(paths, flags, command, io);
  return {
    writeProbe: flags.writeProbe === true,
    ...(flags.estimate !== undefined && { estimate: flags.estimate }),
    concurrency: flags.concurrency,
    ...(flags.maxRps !== undefined && { maxRps: flags.maxRps }),
    session,
    timeoutMs,
    maxAttempts,
    ...(unconnected && { unconnected }),
    manifests,
  };
}

/** The manifests, when paths, --config or ./sift-run-sync.yaml give some. */
async function readManifestOptions(
  paths: string[],
  flags: DoctorFlags,
  command: Command,
  io: CliIo,
): Promise<DoctorManifests> {
  const given =
    paths.length > 0 || flags.config !== undefined || existsSync(join(io.cwd, DEFAULT_CONFIG_FILE));
  if (!given) return { kind: "none" };
  try {
    await readInput(paths, flags, command, io);
    const archiveMissing = parseArchive(flags);
    const options: ManifestCheckOptions = {
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
      ...(archiveMissing && { archiveMissing }),
    };
    return { kind: "given", options, stdinFormat: flags.stdinFormat };
  } catch (error) {
    if (!(error instanceof SyncError) || error instanceof ApiError) throw error;
    return { kind: "unreadable", message: error.message };
  }
}

/** The check that says why there is no session (no URL, no key, a bad URL), if there is none. */
function unconnectedCheck(session: SessionOptions, io: CliIo): CheckResult | undefined {
  try {
    resolveConnection({ options: session, env: io.env }); // its problems are the first check's finding
    return undefined;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return result(
      { section: "connection", id: "connection.source", title: "Target" },
      "fail",
      error.message,
      { todo: "doctor checks the API a sync would use: set it as for plan and apply" },
    );
  }
}
