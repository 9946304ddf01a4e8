import { DEFAULT_UNICODE } from "../../core/unicode.js";
import { UsageError } from "../../core/errors.js";
import type { ManifestFormat } from "../../manifest/index.js";
import type { ApplyOptions } from "../../apply/apply.js";
import type { PlanOptions } from "../../plan/plan.js";
import { DIGEST_PATTERN } from "../../report/plan-file.js";
import { resultsFormatOf } from "../../report/results-file.js";
import type { ApplyFlags, CacheFlags, PlanFlags } from "../flags.js";
import type { CliIo } from "../io.js";
import { csvDialectOf } from "../options.js";
import { sessionOptionsOf, type SessionOptions } from "../session.js";
import type { CommandInputs } from "./output-guard.js";
import { parseAdoptBy, parseArchive, parseIgnore, readSelection } from "./shared.js";

/**
 * plan's and apply's flags as typed options, read once at the CLI's edge: the library's own
 * options (PlanOptions, ApplyOptions) for everything the pipeline does, and the few the CLI
 * keeps for itself (where the report goes, the session). What only a session can give (the
 * client, the cache's place, `--local`'s assets) and the callbacks are added by the command.
 */

/** The library's options the flags decide. */
export type SyncInput = Omit<PlanOptions, SessionGiven>;
type SessionGiven =
  | "client"
  | "createAssets"
  | "onWarning"
  | "cache"
  | "stdin"
  | "pipes"
  | "signal"
  | "onChange"
  | "onProgress";

export interface PlanCommand {
  sync: SyncInput;
  session: SessionOptions;
  format: PlanFlags["format"];
  /** `--out FILE`: the saved plan. */
  out?: string;
  detailedExitcode: boolean;
  cache: CacheFlags;
  stdinFormat?: ManifestFormat;
  progress: boolean;
  /** What the command reads besides Sift: an output never overwrites one. */
  reads: CommandInputs;
  /** Notes of reading `--retry-failed`, logged once the session is open. */
  notes: string[];
}

export interface ApplyCommand extends PlanCommand {
  /** `--dry-run`: only plan (then only PlanCommand's options count). */
  dryRun: boolean;
  /** The library's options of apply beyond plan's. */
  apply: Pick<ApplyOptions, "concurrency" | "failFast" | "limit">;
  /** `--plan FILE`: a saved plan, applied exactly (then `sync` is not used). */
  plan?: string;
  /** `--expect-digest`, normalised (`sha256:` and lowercase hex). */
  expectDigest?: string;
  /** `--results FILE`. */
  results?: string;
}

/** The manifests plan and apply read, for the lifecycle to spool and note as the tool's inputs. */
export function syncInputs(command: PlanCommand) {
  return {
    paths: command.sync.paths,
    stdinFormat: command.stdinFormat,
    own: { exclude: command.sync.exclude, config: command.sync.config },
  };
}

/** plan's flags (apply's for --dry-run) as its options; a bad flag is a UsageError. */
export function readPlanCommand(paths: string[], flags: PlanFlags, io: CliIo): PlanCommand {
  const ignore = parseIgnore(flags.ignore);
  const adoptBy = parseAdoptBy(flags.adoptBy);
  const archiveMissing = parseArchive(flags);
  return commandOf(paths, flags, io, { ignore, adoptBy, archiveMissing });
}

/** apply's flags as its options; the combinations that cannot work are refused here. */
export function readApplyCommand(paths: string[], flags: ApplyFlags, io: CliIo): ApplyCommand {
  if (flags.plan !== undefined && paths.length > 0) {
    throw new UsageError("give either manifest paths or --plan FILE, not both");
  }
  if (flags.plan === undefined && paths.length === 0 && flags.syncConfig === undefined) {
    throw new UsageError("give manifest paths (files or directories), or --plan FILE");
  }
  if (flags.detailedExitcode && !flags.dryRun) {
    throw new UsageError("--detailed-exitcode goes with --dry-run (or use `plan`)");
  }
  if (flags.dryRun && flags.plan !== undefined) {
    throw new UsageError("--dry-run plans from manifests; it cannot take --plan");
  }
  const ignore = parseIgnore(flags.ignore);
  const adoptBy = parseAdoptBy(flags.adoptBy);
  const archiveMissing = parseArchive(flags);
  const parsed = { ignore, adoptBy, archiveMissing };
  if (flags.dryRun) return { ...commandOf(paths, flags, io, parsed), dryRun: true, apply: {} }; // only plan's flags count
  if (flags.results !== undefined) resultsFormatOf(flags.results); // a bad name fails before any work
  if (flags.plan !== undefined) refuseWithPlan(flags);
  const expectDigest = readExpectedDigest(flags);
  return {
    ...commandOf(paths, flags, io, parsed),
    dryRun: false,
    apply: { concurrency: flags.concurrency, failFast: flags.failFast, limit: flags.limit },
    ...(flags.plan !== undefined && { plan: flags.plan }),
    ...(expectDigest !== undefined && { expectDigest }),
    ...(flags.results !== undefined && { results: flags.results }),
  };
}

function commandOf(
  paths: string[],
  flags: PlanFlags & { results?: string; plan?: string },
  io: CliIo,
  parsed: Pick<SyncInput, "ignore" | "adoptBy" | "archiveMissing">,
): PlanCommand {
  const notes: string[] = [];
  const only = readSelection(flags, io.cwd, notes);
  const csv = csvDialectOf(flags); // a bad flag fails before anything is read
  const sync: SyncInput = {
    paths,
    config: flags.syncConfig,
    cwd: io.cwd,
    // The files this command writes are never read back as manifests.
    exclude: [flags.out, flags.results].filter((f): f is string => f !== undefined),
    stdoutFile: io.stdoutFile,
    shard: flags.shard,
    csv,
    metadata: flags.metadata,
    ignore: parsed.ignore,
    mode: flags.mode,
    unicode: flags.unicode ?? DEFAULT_UNICODE,
    clientKeyCheck: flags.clientKeyCheck,
    adoptBy: parsed.adoptBy,
    ...(parsed.archiveMissing && { archiveMissing: parsed.archiveMissing }),
    skipInvalid: flags.skipInvalid,
    ...(flags.maxChanges && { maxChanges: flags.maxChanges }),
    ...(only && { only }),
  };
  return {
    sync,
    session: sessionOptionsOf(flags),
    format: flags.format,
    ...(flags.out !== undefined && { out: flags.out }),
    detailedExitcode: flags.detailedExitcode === true,
    cache: { cache: flags.cache, refresh: flags.refresh, refreshEvery: flags.refreshEvery },
    stdinFormat: flags.stdinFormat,
    progress: flags.progress,
    reads: {
      paths,
      syncConfig: flags.syncConfig,
      plan: flags.plan,
      retryFailed: flags.retryFailed,
      profile: flags.profile,
      local: flags.local,
    },
    notes,
  };
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
