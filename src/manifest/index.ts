/**
 * The manifest stage: files → validated run specs.
 *
 * Pass 1, `validateManifests`, checks everything and collects located problems; pass 2,
 * `readRunSpecs`, streams the specs. Both stream: memory grows with the number of distinct
 * clientKeys, not with the size of the files.
 */
export {
  CSV_DELIMITERS,
  type CsvDelimiter,
  type CsvDialect,
  type CsvDialectInput,
  type CsvDialectResult,
  DEFAULT_CSV_DIALECT,
  readCsvDialect,
} from "./csv-dialect.js";
export { type CsvHeader, CsvRecord, type CsvTableItem, readCsvTable } from "./csv-table.js";
export { expandPaths } from "./expand-paths.js";
export {
  describeOwnFile,
  type FileIdentity,
  type OwnFileKind,
  recogniseOwnFile,
} from "./own-files.js";
export type { Resolution } from "./manifest-item.js";
export { MAX_KEPT_PROBLEMS } from "./problem-list.js";
export type { ReadOptions } from "./read-manifest.js";
export {
  type InvalidRow,
  isInvalidRow,
  type ManifestRow,
  readManifestRows,
} from "./read-manifest-rows.js";
export { readRunSpecs } from "./read-run-specs.js";
export { renderCsv, renderShownRuns, renderYaml } from "./render.js";
export type { MetadataSpec, MetadataType, RunSpec, Source, SpecField } from "./spec.js";
export { formatSource, METADATA_TYPES, runSpecSchema, SPEC_FIELDS } from "./spec.js";
export {
  MAX_SHOWN_WARNINGS,
  type ValidationResult,
  validateManifests,
} from "./validate-manifests.js";
