/**
 * The manifest stage: files → validated run specs.
 *
 * Pass 1, `validateManifests`, checks everything and collects located problems; pass 2,
 * `readRunSpecs`, streams the specs. Both stream: memory grows with the number of distinct
 * clientKeys, not with the size of the files.
 *
 * Other folders import the manifest step from here, or from light.ts: the formats' and CSV
 * dialects' names, for the CLI's flag parsing and stdin spooling (loaded for every command,
 * `plan --help` included), which must not load every reader (csv-parse, yaml, zod) with them.
 * A value import past both is on purpose: export (which reads no manifest) takes the run-field
 * table, value readers and clientKey registry it writes rows with from their own files (through
 * this file it would load 42 more modules at its start, every reader and csv-parse), and the
 * emulator stands apart from the product. Nothing here loads the yaml package (~33 ms of CPU at
 * start-up): what needs it is imported from its own file where it is used (yaml-depth.ts by
 * sources/, render.ts by validate's `--show`), and read-manifest.ts loads the YAML and JSON
 * Lines readers for the first file of their format.
 */
// The pipeline's manifest step, as plan/, apply/, cli/ and the library use it.
export { type CsvDialect, DEFAULT_CSV_DIALECT, readCsvDialect } from "./csv-dialect.js";
export { type CsvTableItem, readCsvTable } from "./csv-table.js";
export { expandPaths } from "./expand-paths.js";
export {
  cacheEntryOf,
  type FileSkips,
  isReplayed,
  lineHashOf,
  type LineMatcher,
  type LineReading,
  replayedSpec,
  stubSpec,
  copyStub,
  lineStubItem,
  withLineHash,
} from "./file-skips.js";
export { ClientKeyRegistry, type KnownKeys, type SharedKeys } from "./client-keys.js";
export { formatOf, type ManifestFormat } from "./formats.js";
export type { Resolution } from "./manifest-item.js";
export { describeOwnFile, type FileIdentity, type OwnFileKind } from "./own-files.js";
export { MAX_KEPT_PROBLEMS } from "./problem-list.js";
export {
  isInvalidRow,
  type ManifestRow,
  readManifestRowBatches,
  readManifestRows,
} from "./read-manifest-rows.js";
export { readRunSpecs } from "./read-run-specs.js";
export { formatSource, type MetadataSpec, type RunSpec, runSpecSchema } from "./spec.js";
export {
  MAX_SHOWN_WARNINGS,
  validateManifests,
  type ValidationResult,
} from "./validate-manifests.js";

// What sources/ builds its readers of other shapes from (a sync config's CSV and record
// files): the run-field table, the same field readers, checks, decoders, limits and located
// problems, so a mapped source reads, fails and is reported exactly as a manifest does.
export { createChunkDecoder } from "./chunk-decoder.js";
export { describeDelimiter } from "./csv-dialect.js";
export type { CsvHeader } from "./csv-table.js";
export { detectBom, locateDecodeFault } from "./decode-fault.js";
export { RUN_FIELDS, type RunField } from "./field-names.js";
export { checkJsonLimits, locateOffset } from "./json-limits.js";
export { locateProblems, type ManifestItem } from "./manifest-item.js";
export { NullCells } from "./null-cells.js";
export { recogniseOwnFile } from "./own-files.js";
export { type ItemBatch, markDuplicates, stubBatches } from "./read-items.js";
export { readManifest, type ReadOptions } from "./read-manifest.js";
export { rowBatchesOf } from "./read-manifest-rows.js";
export { specsOf } from "./read-run-specs.js";
export { checkRunFields, type FieldProblem } from "./run-checks.js";
export { fieldDef, NAMED_FIELDS, type NamedField } from "./run-fields.js";
export { METADATA_TYPES, type MetadataType, type Source, SPEC_FIELDS } from "./spec.js";
export { suggestName } from "./suggest.js";
export { collectValidation, type ValidationCallbacks } from "./validate-manifests.js";
export {
  Invalid,
  quote,
  type Read,
  readAssets,
  readBooleanText,
  readClientKey,
  readMetadataKey,
  readNumberText,
  readRunId,
  readTags,
  readText,
  setOwn,
  trimCell,
} from "./values.js";
export { MAX_YAML_BYTES, tooDeepMessage } from "./yaml-limits.js";
export { describe, fillDefaults, readYamlRun, type RunParts } from "./yaml-run.js";

// What the later steps derive from the run-field table and the manifests' rules: the diff and
// the created-as-planned check (plan/, apply/), the saved plan's schema (report/), the row hash
// (cache/).
export { findField, type ReadKind } from "./run-fields.js";
export type { SpecField } from "./spec.js";
export { MAX_CLIENT_KEY_LENGTH, MAX_TEXT_LENGTH } from "./values.js";
