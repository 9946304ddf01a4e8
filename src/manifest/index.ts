/**
 * The manifest stage: files → validated run specs.
 *
 * Pass 1, `validateManifests`, checks everything and collects located problems; pass 2,
 * `readRunSpecs`, streams the specs. Both stream: memory grows with the number of distinct
 * clientKeys, not with the size of the files.
 */
export { type CsvDialect, DEFAULT_CSV_DIALECT, readCsvDialect } from "./csv-dialect.js";
export { type CsvTableItem, readCsvTable } from "./csv-table.js";
export { expandPaths } from "./expand-paths.js";
export { describeOwnFile, type FileIdentity, type OwnFileKind } from "./own-files.js";
export type { Resolution } from "./manifest-item.js";
export { MAX_KEPT_PROBLEMS } from "./problem-list.js";
export { isInvalidRow, type ManifestRow, readManifestRows } from "./read-manifest-rows.js";
export { readRunSpecs } from "./read-run-specs.js";
export { renderShownRuns, renderYaml } from "./render.js";
export type { MetadataSpec, RunSpec } from "./spec.js";
export { formatSource, runSpecSchema } from "./spec.js";
export {
  MAX_SHOWN_WARNINGS,
  type ValidationResult,
  validateManifests,
} from "./validate-manifests.js";
