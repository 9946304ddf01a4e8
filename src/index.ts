/**
 * sift-run-sync as a library: the same pipeline as the CLI, which is a thin layer over these
 * exports. Start with `createSiftClient`, then `plan` (read-only) or `apply`.
 *
 * @example
 * import { apply, createSiftClient, plan } from "sift-run-sync";
 * const client = createSiftClient({ baseUrl: process.env.SIFT_REST_URI!, apiKey: process.env.SIFT_API_KEY!, concurrency: 8 });
 * const preview = await plan({ paths: ["runs.csv"], client });
 * if (preview.summary.create + preview.summary.update > 0) {
 *   const result = await apply({ paths: ["runs.csv"], client, concurrency: 8, onResult: (row) => console.log(row) });
 *   if (result.failed > 0) process.exitCode = 1;
 * }
 */

// The pipeline.
export { type ApplyOptions, type ApplyResult, apply } from "./apply/apply.js";
export { type ApplyPlanFileOptions, applyPlanFile } from "./apply/apply-plan-file.js";
export type { ApplyCounts } from "./apply/apply-work.js";
export type { Outcome, RowResult } from "./apply/work.js";
export { toResultRow } from "./apply/work.js";
// Errors and values.
export { main } from "./cli/main.js";
export type { GuardName, Problem } from "./core/errors.js";
export {
  ApiError,
  GuardError,
  ManifestError,
  PlanFileError,
  SyncError,
  UsageError,
} from "./core/errors.js";
export type { Timestamp } from "./time/timestamp.js";
// The local emulator, for tests of programs that embed the sync.
export { type Emulator, type EmulatorOptions, startEmulator } from "./emulator/index.js";
// Manifests.
export {
  type CsvDialect,
  DEFAULT_CSV_DIALECT,
  expandPaths,
  readCsvDialect,
  readRunSpecs,
  validateManifests,
  type ValidationResult,
} from "./manifest/index.js";
export type { MetadataSpec, MetadataType, RunSpec, Source } from "./manifest/spec.js";
export type { ArchiveChange, Change, FieldChange, FieldValue, Warning } from "./plan/change.js";
export { changeKey } from "./plan/change.js";
export type { AdoptByField, AdoptBySpec } from "./core/adopt-by.js";
export type { ArchiveLimit, ArchiveOptions } from "./plan/scope.js";
export {
  type DiffContext,
  type DiffOptions,
  diffRun,
  IGNORABLE_FIELDS,
  type IgnorableField,
} from "./plan/diff.js";
export {
  type CacheUse,
  type PlanOptions,
  type PlanResult,
  plan,
  type Refusal,
  type SyncOptions,
} from "./plan/plan.js";
export {
  clientOptionsOf,
  type ManifestInput,
  type SyncCacheOptions,
  type ValidateOptions,
} from "./plan/options.js";
export { validate } from "./plan/read-input.js";
export { type Shard, shardOf } from "./plan/shard.js";
// Reports.
export { createJsonReport } from "./report/json-report.js";
export { createMarkdownReport } from "./report/markdown-report.js";
export { createPlanFileWriter, readPlanFile } from "./report/plan-file.js";
export type { PlanReport, TextSink } from "./report/plan-report.js";
export { createResultsWriter, type ResultRow } from "./report/results-file.js";
export { formatPlanLine, hasChanges, type PlanSummary } from "./plan/summary.js";
export { createTableReport } from "./report/table-report.js";
// The sync config (sift-run-sync.yaml): load it, then pass it as `config` to plan/apply/validate,
// or read its sources alone (validateSources, then readSources: its runs as RunSpecs).
export { syncConfigJsonSchema } from "./sources/config-json-schema.js";
export {
  loadSyncConfig,
  readSourceSpecs,
  readSourceSpecs as readSources,
  validateSources,
  type SourceConfig,
  type SyncConfig,
} from "./sources/index.js";
// export: Sift's runs as a manifest.
export { type ExportClient, type ExportResult, type OmissionCount } from "./export/export-runs.js";
export { type ExportOptions, exportRuns } from "./export/export.js";
export { type KeyTemplate, parseKeyTemplate } from "./export/key-template.js";
export type { ExportFormat } from "./export/run-to-row.js";
// Guards and row selection as the flags spell them: --max-changes, --retry-failed.
export { type ChangeLimit, parseChangeLimit } from "./plan/guard.js";
export { readRetryKeys } from "./report/results-file-read.js";
// The Sift client.
export {
  type ClientStats,
  createSiftClient,
  type SiftClient,
  type SiftClientOptions,
} from "./sift/client.js";
export { type Connection, type ConnectionInput, resolveConnection } from "./sift/connection.js";
// How requests reach the API: proxy variables, extra CAs, and the default bounds.
export { CA_FILE_ENV, loadCaFile, trustWith } from "./sift/ca.js";
export { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, type RetryOptions } from "./sift/limits.js";
export {
  describeProxyRoute,
  matchNoProxy,
  type Proxy,
  type ProxyRoute,
  resolveProxy,
} from "./sift/proxy.js";
export { type EntryReading, readMetadataEntry, type TypedValue } from "./sift/metadata-entry.js";
export type { Asset, FilterField, MetadataKey, MetadataValue, Run, Tag } from "./sift/schemas.js";
