import { z } from "zod";
import { METADATA_TYPES, SPEC_FIELDS } from "../manifest/spec.js";

/**
 * The shape of `sift-run-sync.yaml`, as written. Key names are fixed by the exports issue
 * (version, sources, path, csv, nulls, timezone, timeFormat, dst, fields, ignoreColumns,
 * records, defaults, options); compile-source.ts then checks what zod cannot (patterns,
 * zones, which modifiers suit which field).
 */

export const CONFIG_VERSION = 1;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const timeFormat = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** `{ column | template | value, ...modifiers }`: the long form of a field. */
export const fieldObjectSchema = z.strictObject({
  column: z.string().min(1).optional(),
  template: z.string().min(1).optional(),
  value: z.union([scalar, z.array(scalar)]).optional(),
  type: z.enum(METADATA_TYPES).optional(),
  /** Source text → value; `default` for any other text. A `null` value means "not managed". */
  map: z.record(z.string(), scalar.nullable()).optional(),
  separator: z.string().min(1).optional(),
  timeFormat: timeFormat.optional(),
  timezone: z.string().min(1).optional(),
  decimal: z.enum([".", ","]).optional(),
});
export type FieldObject = z.infer<typeof fieldObjectSchema>;

/** A column (or dot path), a `{Column}` template, or the long form. */
export const fieldSpecSchema = z.union([z.string().min(1), fieldObjectSchema]);
export type FieldSpec = z.infer<typeof fieldSpecSchema>;

export const FIELD_KEYS = ["clientKey", "runId", ...SPEC_FIELDS] as const;

const fieldsSchema = z.strictObject({
  clientKey: fieldSpecSchema.optional(),
  runId: fieldSpecSchema.optional(),
  name: fieldSpecSchema.optional(),
  description: fieldSpecSchema.optional(),
  startTime: fieldSpecSchema.optional(),
  stopTime: fieldSpecSchema.optional(),
  assets: fieldSpecSchema.optional(),
  tags: fieldSpecSchema.optional(),
  isPinned: fieldSpecSchema.optional(),
  isArchived: fieldSpecSchema.optional(),
  metadata: z.record(z.string(), fieldSpecSchema).optional(),
});
export type FieldsConfig = z.infer<typeof fieldsSchema>;

/** How a CSV file is written; colleagues' dialect reader gives these their meaning. */
const csvSchema = z.strictObject({
  delimiter: z.string().min(1).optional(),
  encoding: z.string().min(1).optional(),
  skipLines: z.int().nonnegative().optional(),
});

export const sourceSchema = z.strictObject({
  path: z.string().min(1),
  csv: csvSchema.optional(),
  /** The text encoding of the source's CSV and JSON Lines files (csv.encoding wins for CSV). */
  encoding: z.string().min(1).optional(),
  nulls: z.array(z.string()).optional(),
  timezone: z.string().min(1).optional(),
  timeFormat: timeFormat.optional(),
  dst: z.enum(["earlier", "later"]).optional(),
  fields: fieldsSchema.optional(),
  ignoreColumns: z.array(z.string().min(1)).optional(),
  records: z.string().min(1).optional(),
});
export type SourceEntry = z.infer<typeof sourceSchema>;

/** Options of plan/apply, as flags name them in camelCase; a flag given on the command line wins. */
export const optionsSchema = z.strictObject({
  metadata: z.enum(["merge", "replace"]).optional(),
  ignore: z.array(z.enum(SPEC_FIELDS)).optional(),
  concurrency: z.int().positive().optional(),
  maxRps: z.number().positive().optional(),
});
export type ConfigOptions = z.infer<typeof optionsSchema>;

export const configSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION),
  sources: z.array(sourceSchema).min(1),
  /** Read like a YAML manifest's `defaults` (yaml-run.ts), which has its own messages. */
  defaults: z.unknown().optional(),
  options: optionsSchema.optional(),
});
export type ConfigEntry = z.infer<typeof configSchema>;
