import { z } from "zod";
import { RUN_FIELD_SHAPE } from "./run-fields.js";

/**
 * A run as a manifest describes it: the output of the manifest stage and the input of the
 * diff. An absent (undefined) field is NOT MANAGED: the run keeps whatever Sift has.
 * An empty value (`tags: []`, `description: ""`) is managed and means "empty".
 */

export { METADATA_TYPES, type MetadataSpec, type MetadataType } from "./metadata-spec.js";
export { SPEC_FIELDS, type SpecField } from "./run-fields.js";

const sourceSchema = z.object({ file: z.string(), line: z.number().int().positive() });
/** Where a run was written: `runs.csv:14` (file as given on the command line). */
export type Source = z.infer<typeof sourceSchema>;

/** The fields of the run-field table (run-fields.ts), and where the run was written. */
export const runSpecSchema = z.object({ ...RUN_FIELD_SHAPE, source: sourceSchema });
export type RunSpec = z.infer<typeof runSpecSchema>;

export function formatSource(source: Source): string {
  return `${source.file}:${source.line}`;
}
