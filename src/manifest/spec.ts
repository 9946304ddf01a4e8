import { z } from "zod";
import type { Timestamp } from "../time/timestamp.js";

/**
 * A run as a manifest describes it: the output of the manifest stage and the input of the
 * diff. An absent (undefined) field is NOT MANAGED: the run keeps whatever Sift has.
 * An empty value (`tags: []`, `description: ""`) is managed and means "empty".
 */

export const METADATA_TYPES = ["string", "number", "boolean"] as const;
export type MetadataType = (typeof METADATA_TYPES)[number];

/**
 * One metadata value as written in a manifest. `type` is set when the manifest declares
 * it (a CSV column suffix `metadata.k:number`). Without it, the key's type in the
 * organization decides, else the value's own type (YAML scalars), else string.
 */
const metadataSpecSchema = z.object({
  value: z.union([z.string(), z.number(), z.boolean()]),
  type: z.enum(METADATA_TYPES).optional(),
  /**
   * A YAML/JSON number as written, when that differs from the number (`00123`, `1.50`):
   * used if the key turns out to be of type string, so `sample_id: 00123` stays "00123".
   */
  text: z.string().optional(),
});
export type MetadataSpec = z.infer<typeof metadataSpecSchema>;

const sourceSchema = z.object({ file: z.string(), line: z.number().int().positive() });
/** Where a run was written: `runs.csv:14` (file as given on the command line). */
export type Source = z.infer<typeof sourceSchema>;

const timestampSchema = z.custom<Timestamp>((v) => typeof v === "string");

export const runSpecSchema = z.object({
  clientKey: z.string().min(1),
  /**
   * The Sift run this row describes, when known (an export writes it). A run without a
   * clientKey is adopted under this row's clientKey; a run with one must have this row's.
   * Identity, like clientKey: never compared nor written as a field.
   */
  runId: z.string().min(1).optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  startTime: timestampSchema.optional(),
  stopTime: timestampSchema.optional(),
  /** Asset names, without duplicates, in manifest order. */
  assets: z.array(z.string()).optional(),
  /** A set: without duplicates, sorted. */
  tags: z.array(z.string()).optional(),
  isPinned: z.boolean().optional(),
  isArchived: z.boolean().optional(),
  /** Only the keys the manifest manages. `{}` manages "no keys" (matters for --metadata replace). */
  metadata: z.record(z.string(), metadataSpecSchema).optional(),
  source: sourceSchema,
});
export type RunSpec = z.infer<typeof runSpecSchema>;

/** The fields a manifest can manage, in report order. */
export const SPEC_FIELDS = [
  "name",
  "description",
  "startTime",
  "stopTime",
  "assets",
  "tags",
  "isPinned",
  "isArchived",
  "metadata",
] as const satisfies readonly (keyof RunSpec)[];
export type SpecField = (typeof SPEC_FIELDS)[number];

export function formatSource(source: Source): string {
  return `${source.file}:${source.line}`;
}
