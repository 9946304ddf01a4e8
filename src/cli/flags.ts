import type { ClientKeyCheck } from "../core/client-key.js";
import type { UnicodeMode } from "../core/unicode.js";
import type { ManifestFormat } from "../manifest/index.js";
import type { SyncMode } from "../plan/diff.js";
import type { ChangeLimit } from "../plan/guard.js";
import type { ArchiveLimit } from "../plan/scope.js";
import type { Shard } from "../plan/shard.js";
import type { SyncConfig } from "../sources/index.js";
import type { SessionOptions } from "./session.js";

/**
 * What commander hands each command's action: the parsed flags, one interface per command.
 * They live here, apart from the commands, so that a command's declaration and its run import
 * them without importing each other.
 */

/** The connection and logging flags: the session's options as they are (session.ts). */
type SessionFlags = SessionOptions;

export interface CsvFlags {
  delimiter?: string;
  encoding?: string;
  stdinFormat?: ManifestFormat;
  /** `--unicode`, or the sync config's `options.unicode`; undefined means nfc. */
  unicode?: UnicodeMode;
}

export interface CacheFlags {
  /** `--cache DIR`; false with `--no-cache`; undefined: the default place. */
  cache?: string | false;
  refresh?: "auto" | "full";
  refreshEvery?: number;
}

export interface ArchiveFlags {
  archiveMissing?: boolean;
  scope?: string;
  maxArchive?: ArchiveLimit;
  allowEmpty?: boolean;
  mode?: string;
}

export interface PlanFlags extends SessionFlags, CsvFlags, ArchiveFlags, CacheFlags {
  /** `--config FILE`. */
  config?: string;
  /** The loaded config (from --config or ./sift-run-sync.yaml): not a flag, set by resolveInput. */
  syncConfig?: SyncConfig;
  out?: string;
  format: "table" | "markdown" | "json";
  detailedExitcode?: boolean;
  metadata: "merge" | "replace";
  mode: SyncMode;
  ignore?: string[];
  shard?: Shard;
  adoptBy?: string[];
  progress: boolean;
  skipInvalid?: boolean;
  maxChanges?: ChangeLimit;
  /** `--client-key-check` (or the config's option); undefined means `sift`. */
  clientKeyCheck?: ClientKeyCheck;
  only?: string[];
  retryFailed?: string;
}

export interface ApplyFlags extends PlanFlags {
  dryRun?: boolean;
  plan?: string;
  expectDigest?: string;
  results?: string;
  failFast?: boolean;
  limit?: number;
}

export interface ExportFlags extends SessionFlags {
  filter?: string;
  includeArchived?: boolean;
  format?: "csv" | "yaml";
  out?: string;
  keyTemplate: string;
  progress: boolean;
}

export interface DoctorFlags extends SessionFlags, CsvFlags {
  config?: string;
  syncConfig?: SyncConfig;
  format: "table" | "json";
  estimate?: number;
  writeProbe?: boolean;
  /** Seconds per request (`--timeout`). */
  timeout?: number;
  metadata: PlanFlags["metadata"];
  mode: PlanFlags["mode"];
  ignore?: string[];
  shard?: Shard;
  adoptBy?: string[];
  archiveMissing?: boolean;
  scope?: string;
  progress: boolean;
}

export interface ValidateFlags extends CsvFlags {
  config?: string;
  show?: number;
  clientKeyCheck?: ClientKeyCheck;
}
