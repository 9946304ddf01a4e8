import { resolve } from "node:path";
import { type CacheOptions, DEFAULT_CACHE_DIR } from "../cache/cache-session.js";
import type { ClientKeyCheck } from "../core/client-key.js";
import { UsageError, type Problem } from "../core/errors.js";
import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import type {
  CsvDialect,
  FileIdentity,
  ReadOptions,
  Resolution,
  RunSpec,
} from "../manifest/index.js";
import type { SiftClientOptions } from "../sift/client.js";
import type { SyncConfig } from "../sources/index.js";
import type { Change } from "./change.js";
import type { IgnorableField, SyncMode } from "./diff.js";
import type { ChangeLimit } from "./guard.js";
import { type AdoptBySpec, parseAdoptBy } from "../core/adopt-by.js";
import type { ArchiveOptions, ScopeClient } from "./scope.js";
import type { Shard } from "./shard.js";

/**
 * The library's options, one type per command, named as the CLI's flags in camelCase: the CLI
 * maps its flags onto these once (`plan` builds a PlanOptions, `apply` an ApplyOptions), and
 * everything below it sees only these. Options of the connection (`--api-url`, `--timeout`,
 * `--retries`, `--ca-file`, `--concurrency`, `--max-rps`, the proxy variables) are the
 * client's: `createSiftClient(SiftClientOptions)`.
 */

/** Where the runs come from, and which of them this invocation handles (validate, plan, apply). */
export interface ManifestInput {
  /** Manifest files or directories (`-` is standard input, see `stdin`); ignored when `config` is given. */
  paths: string[];
  /** `--config`: a loaded sync config (`loadSyncConfig`): its sources are read instead of `paths`. */
  config?: SyncConfig;
  /** What relative paths are relative to. Default `process.cwd()`. */
  cwd?: string;
  /** `--shard K/N`: only the runs whose clientKey hashes to shard K of N. */
  shard?: Shard;
  /** Files a directory never yields: this run's own outputs (`--results`, `--out`). */
  exclude?: readonly string[];
  /** The file this command's stdout is redirected to, never read from a directory either. */
  stdoutFile?: FileIdentity;
  /** `--delimiter`, `--encoding` (`readCsvDialect`): how CSV files are written; default: sniffed, UTF-8. */
  csv?: CsvDialect;
  /**
   * `--only`, `--retry-failed` (`readRetryKeys(resultsFile)`): only the runs with these
   * clientKeys (both flags: the keys in both).
   */
  only?: ReadonlySet<string>;
  /**
   * `--skip-invalid`: invalid runs (by the manifest's own rules, or against Sift) are reported
   * in their place as invalid, and the valid ones planned and applied, instead of stopping
   * everything.
   */
  skipInvalid?: boolean;
  /** `--stdin-format`: what the path `-` reads (standard input, saved to a file). */
  stdin?: ReadOptions["stdin"];
  /** FIFOs named as paths, each saved to a file (see ReadOptions.pipes). */
  pipes?: ReadOptions["pipes"];
  /**
   * `--local`: creates assets the organization does not have, returning name → assetId. Only
   * the embedded emulator offers this (a newcomer's own exports name assets it has never seen);
   * against Sift an unknown asset stays a problem.
   */
  createAssets?: (names: string[]) => Promise<Map<string, string>>;
  /**
   * Stops the validating pass between batches of rows (Ctrl-C while a large manifest is read):
   * reading then throws the signal's reason. The later passes are not stopped by it.
   */
  readSignal?: AbortSignal;
  /** Each manifest warning (read as written, likely not meant), once, in the validating pass. */
  onWarning?: (warning: Problem) => void;
  /**
   * `--unicode`: text read and compared in NFC (the default), or byte for byte (`keep`). With a
   * sync config, undefined means its `options.unicode`.
   */
  unicode?: UnicodeMode;
}

/**
 * `--cache DIR`, `--refresh full|auto`, `--refresh-every`: rows in sync at the last sync, and
 * whose runs Sift lists as unchanged since, are unchanged without a lookup; the cache is
 * rewritten at the end. Without `cache` (the library's default, `--no-cache`) nothing is
 * read or written.
 */
export interface SyncCacheOptions extends Omit<CacheOptions, "dir"> {
  /**
   * Where the cache files live. Default (the CLI's): `.sift-run-sync/` beside the sync config
   * when one is given, else in `cwd`.
   */
  dir?: string;
}

/** What plan and apply share: the input, how it is compared with Sift, and the guards. */
export interface SyncOptions extends ManifestInput {
  /** From `createSiftClient`: one client (one request pool) for the whole run. */
  client: ScopeClient;
  /**
   * `--metadata`: merge (default) sets the manifest's keys and keeps the others; replace:
   * exactly the manifest's. With a sync config, undefined means its `options.metadata`.
   */
  metadata?: "merge" | "replace";
  /**
   * `--ignore`: fields never compared nor written on existing runs, e.g.
   * `["startTime", "stopTime"]`. With a sync config, undefined means its `options.ignore`.
   */
  ignore?: readonly IgnorableField[];
  /** `--mode`: upsert (default), create-only (never change an existing run), update-only (never create). */
  mode?: SyncMode;
  /**
   * `--client-key-check`: `sift` (default) makes a run to be created with a clientKey Sift
   * refuses invalid; `off`: any key. With a sync config, undefined means its option.
   */
  clientKeyCheck?: ClientKeyCheck;
  /**
   * `--adopt-by`: rows whose clientKey is not found adopt the one run without a clientKey that
   * agrees on these fields (`["name", "startTime"]`, `metadata.<key>`), a time perhaps within
   * a tolerance (`startTime~10m`). A row's `runId` always adopts. With a sync config,
   * undefined means its option.
   */
  adoptBy?: readonly AdoptBySpec[];
  /**
   * `--archive-missing --scope CEL [--max-archive N|P%] [--allow-empty]`: archive the
   * in-scope runs no manifest holds; unarchive the archived ones they hold.
   */
  archiveMissing?: ArchiveOptions;
  /**
   * `--max-changes N|P%` (`parseChangeLimit`): a plan that would create and update (adopt,
   * archive, unarchive) more runs than this is refused: `apply` throws a GuardError before
   * anything is written, `plan` says so in `refused`.
   */
  maxChanges?: ChangeLimit;
  /** The sync cache (see SyncCacheOptions); undefined: none. */
  cache?: SyncCacheOptions;
}

/** `plan` (and `apply --dry-run`). */
export interface PlanOptions extends SyncOptions {
  /**
   * Each change as it is decided, in manifest order (a report, a plan file). A promise it
   * returns holds the plan back until it settles: a slow reader of the report bounds memory.
   */
  onChange?: (change: Change) => unknown;
  /** After each run is planned. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Stops the plan: its requests (and their retries) end, and `plan` rejects. */
  signal?: AbortSignal;
}

/** The options of a sync with every default applied (a sync config's `options` included). */
export interface Settings {
  metadata: "merge" | "replace";
  ignore: ReadonlySet<IgnorableField>;
  mode: SyncMode;
  unicode: UnicodeMode;
  clientKeyCheck: ClientKeyCheck;
  /** As written (a saved plan and the cache keep them so), checked, duplicates dropped. */
  adoptBy: readonly AdoptBySpec[];
  archiveMissing?: ArchiveOptions;
  maxChanges?: ChangeLimit;
  cache?: CacheOptions;
}

/**
 * Every default applied, the sync config's `options` where an option is undefined, and the
 * combinations that cannot work refused (a UsageError, as the CLI's flags are).
 */
export function resolveSettings(options: Omit<SyncOptions, "client">): Settings {
  const fromConfig = options.config?.options ?? {};
  const mode = options.mode ?? "upsert";
  const archive = options.archiveMissing;
  if (archive !== undefined) checkArchive(archive, mode, options.only);
  return {
    metadata: options.metadata ?? fromConfig.metadata ?? "merge",
    ignore: new Set(options.ignore ?? fromConfig.ignore ?? []),
    mode,
    unicode: unicodeOfInput(options),
    clientKeyCheck: options.clientKeyCheck ?? fromConfig.clientKeyCheck ?? "sift",
    adoptBy: parseAdoptBy(options.adoptBy ?? fromConfig.adoptBy ?? []).map(
      (rule) => rule.text as AdoptBySpec,
    ),
    ...(archive && { archiveMissing: archive }),
    ...(options.maxChanges && { maxChanges: options.maxChanges }),
    ...(options.cache && { cache: cacheOf(options.cache, options) }),
  };
}

/** The Unicode mode of an input: `unicode`, else its sync config's, else nfc. */
function unicodeOfInput(input: Pick<ManifestInput, "unicode" | "config">): UnicodeMode {
  return input.unicode ?? input.config?.options.unicode ?? DEFAULT_UNICODE;
}

/**
 * The client options a sync config sets (`options: { concurrency, maxRps, timeout, retries }`),
 * to spread under the caller's own: `createSiftClient({ ...clientOptionsOf(config), baseUrl, apiKey })`.
 */
export function clientOptionsOf(
  config: SyncConfig | undefined,
): Pick<SiftClientOptions, "concurrency" | "maxRps" | "timeoutMs" | "retry"> {
  const o = config?.options ?? {};
  return {
    ...(o.concurrency !== undefined && { concurrency: o.concurrency }),
    ...(o.maxRps !== undefined && { maxRps: o.maxRps }),
    ...(o.timeout !== undefined && { timeoutMs: Math.max(1, Math.round(o.timeout * 1000)) }),
    ...(o.retries !== undefined && { retry: { maxAttempts: o.retries + 1 } }),
  };
}

function checkArchive(
  archive: ArchiveOptions,
  mode: SyncMode,
  only: ReadonlySet<string> | undefined,
): void {
  if (mode === "create-only") {
    throw new UsageError(
      "--archive-missing archives existing runs, and --mode create-only never changes one (use upsert or update-only)",
    );
  }
  if (archive.scope.trim() === "") {
    throw new UsageError(
      "--archive-missing needs --scope CEL: the runs this sync mirrors (e.g. --scope \"client_key.startsWith('ts-')\"); runs outside it are never archived",
    );
  }
  if (only !== undefined) {
    // NOTE: the manifests' other runs would look missing, and be archived.
    throw new UsageError(
      "--archive-missing plans every run: it cannot go with --only or --retry-failed",
    );
  }
}

/** The cache's place: given, else beside the sync config, else in the working directory. */
function cacheOf(
  cache: SyncCacheOptions,
  input: Pick<ManifestInput, "cwd" | "config">,
): CacheOptions {
  const cwd = input.cwd ?? process.cwd();
  const dir =
    cache.dir !== undefined
      ? resolve(cwd, cache.dir)
      : resolve(input.config?.dir ?? cwd, DEFAULT_CACHE_DIR);
  return { ...cache, dir };
}

/**
 * `validate`: the manifests (or a sync config's sources) checked offline, every problem
 * collected. `--show N` is `onRun`, keeping the first N runs.
 */
export interface ValidateOptions extends Pick<
  ManifestInput,
  | "paths"
  | "config"
  | "cwd"
  | "csv"
  | "stdin"
  | "pipes"
  | "unicode"
  | "exclude"
  | "stdoutFile"
  | "onWarning"
> {
  /**
   * `--client-key-check`: `sift` (default; with a sync config, its option) warns about each
   * clientKey Sift would refuse for a new run; `off` does not.
   */
  clientKeyCheck?: ClientKeyCheck;
  /** Each valid run as read, in order, with how its local times were resolved. */
  onRun?: (spec: RunSpec, resolved?: readonly Resolution[]) => void;
}
