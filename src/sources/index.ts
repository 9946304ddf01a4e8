/**
 * The sources stage: exports in other shapes → run specs, through a sync config
 * (`sift-run-sync.yaml`): which files, how they are written, and how their columns map to
 * run fields. It feeds the same pipeline as manifest paths: `validateSources` is pass 1,
 * `readSourceSpecs` pass 2.
 */
export { expandSources } from "./expand-sources.js";
export { loadSyncConfig } from "./load-config.js";
export { readSourceRowBatches, readSourceSpecs, validateSources } from "./read-sources.js";
export type { SourceConfig, SyncConfig } from "./source-config.js";
