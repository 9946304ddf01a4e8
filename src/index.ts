/**
 * sift-run-sync as a library. The CLI is a thin layer over these exports.
 */
export { main } from "./cli/main.js";
export type { Problem } from "./core/errors.js";
export { ApiError, ManifestError, PlanFileError, SyncError, UsageError } from "./core/errors.js";
export type { Timestamp } from "./core/timestamp.js";
export type { MetadataSpec, RunSpec, Source } from "./manifest/spec.js";
