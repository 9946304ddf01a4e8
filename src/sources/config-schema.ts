import { z } from "zod";
import { METADATA_TYPES, NAMED_FIELDS, RUN_FIELDS, type RunField } from "../manifest/index.js";
import { optionsSchema } from "./config-options-schema.js";

export { type ConfigOptions, optionsSchema } from "./config-options-schema.js";

/**
 * The shape of `sift-run-sync.yaml`, as written. Key names are fixed by the exports issue
 * (version, sources, path, csv, nulls, timezone, timeFormat, dst, fields, ignoreColumns,
 * records, defaults, options); compile-source.ts then checks what zod cannot (patterns,
 * zones, which modifiers suit which field).
 */

export const CONFIG_VERSION = 1;

/*
 * Every key has a description: they are the editor help of the JSON Schema generated from
 * this file (`npm run schema` writes schema/sift-run-sync.schema.json; a test checks it is
 * up to date and that no key lacks a description).
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const timeFormat = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const TIME_FORMAT =
  'How times are written: "iso" (RFC 3339, the default), "epoch-s", "epoch-ms", "epoch-us", "epoch-ns", "excel" or "excel-1904" (Excel serial date-times), or a pattern such as "dd.MM.yyyy HH:mm" (yyyy yy MM dd HH hh mm ss a S... XXX); a list is tried in order.';

/** `{ column | template | value, ...modifiers }`: the long form of a field. */
export const fieldObjectSchema = z
  .strictObject({
    column: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The column (CSV header, matched exactly, else case-insensitively) or the key or dot path (sample.title) of a YAML/JSON record.",
      ),
    template: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A text with {Column} placeholders, e.g. "TS-{Test ID}"; {{ and }} are literal braces. A blank column leaves the field not managed.',
      ),
    value: z
      .union([scalar, z.array(scalar)])
      .optional()
      .describe("A constant, the same for every record, e.g. [teststand] for tags."),
    type: z
      .enum(METADATA_TYPES)
      .optional()
      .describe(
        "Metadata only: the value's type. Without it, text is a string, YAML/JSON numbers and booleans keep their type, and the organization's key type decides.",
      ),
    /** Source text → value; `default` for any other text. A `null` value means "not managed". */
    map: z
      .record(z.string(), scalar.nullable())
      .optional()
      .describe(
        'Source text → value, e.g. { PASS: true, FAIL: false }; "default" is used for any other text (else such a text is an error); a null value means "not managed".',
      ),
    separator: z
      .string()
      .min(1)
      .optional()
      .describe('assets and tags: what separates the names in one cell (default ";").'),
    timeFormat: timeFormat.optional().describe(`startTime and stopTime: ${TIME_FORMAT}`),
    timezone: z
      .string()
      .min(1)
      .optional()
      .describe(
        "startTime and stopTime: the IANA time zone (Europe/Berlin) of times written without an offset.",
      ),
    dst: z
      .enum(["earlier", "later"])
      .optional()
      .describe(
        "startTime and stopTime: which instant a local time skipped or repeated by a DST change is (else such a time is an error); over the source's dst.",
      ),
    decimal: z
      .enum([".", ","])
      .optional()
      .describe('Metadata numbers: the decimal mark; "," reads 21,5 and 1.234,5.'),
    thousands: z
      .enum([",", ".", " ", "'"])
      .optional()
      .describe(
        'Metadata numbers: the digit-group mark; "," reads 1,200 and 1,234,567.5. Groups must have three digits.',
      ),
    sanitize: z
      .boolean()
      .optional()
      .describe(
        "clientKey only: make each text a key Sift accepts: every run of characters outside a-z A-Z 0-9 _ ~ . - becomes one -, outer non-alphanumerics are dropped; a key still shorter than 2 or longer than 128 is an error at its row (never cut).",
      ),
  })
  .describe("The long form of a field: exactly one of column, template or value, plus modifiers.");
export type FieldObject = z.infer<typeof fieldObjectSchema>;

/** A column (or dot path), a `{Column}` template, or the long form. */
const fieldSpecSchema = z
  .union([
    z
      .string()
      .min(1)
      .describe(
        'A column name or dot path ("Test Name", "sample.title"), or a template holding {Column} ("TS-{Test ID}").',
      ),
    fieldObjectSchema,
  ])
  .meta({
    // One definition in the JSON Schema, referred to by every field.
    id: "field",
    description:
      "A column, a {Column} template, or the long form { column | template | value, ...modifiers }.",
  });
const field = (description: string) => fieldSpecSchema.optional().describe(description);
export type FieldSpec = z.infer<typeof fieldSpecSchema>;

export const FIELD_KEYS = RUN_FIELDS;

const metadataFieldsSchema = z.record(z.string(), fieldSpecSchema).optional();

/** One entry per field of the run-field table, described as the table describes it. */
const fieldsSchema = z.strictObject(
  Object.fromEntries(
    NAMED_FIELDS.map((f) => [
      f.name,
      f.read === "metadata" ? metadataFieldsSchema.describe(f.config) : field(f.config),
    ]),
  ) as { [K in Exclude<RunField, "metadata">]: ReturnType<typeof field> } & {
    metadata: typeof metadataFieldsSchema;
  },
);
export type FieldsConfig = z.infer<typeof fieldsSchema>;

/** How a CSV file is written; colleagues' dialect reader gives these their meaning. */
const csvSchema = z.strictObject({
  delimiter: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The cell separator: auto (sniffed from the header, the default), ",", ";", tab or "|".',
    ),
  encoding: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The CSV files' text encoding: utf-8 (default), windows-1252, latin1, utf-16le, ... (a byte-order mark wins).",
    ),
  skipLines: z
    .int()
    .nonnegative()
    .optional()
    .describe("How many lines come before the header (a title line, say)."),
});

export const sourceSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe(
      "A file, a directory (its .csv .tsv .txt .yaml .yml .json .jsonl .ndjson files, sorted) or a glob, relative to this file. Matching nothing is an error.",
    ),
  csv: csvSchema.optional().describe("How the source's CSV files are written."),
  /** The text encoding of the source's CSV and JSON Lines files (csv.encoding wins for CSV). */
  encoding: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The text encoding of the source's CSV and JSON Lines files (utf-8 by default; csv.encoding, when given, is the CSV files' own). YAML and JSON are UTF-8.",
    ),
  nulls: z
    .array(z.string())
    .optional()
    .describe('Cell texts that mean "not managed", like a blank cell, e.g. ["NULL", "N/A"].'),
  timezone: z
    .string()
    .min(1)
    .optional()
    .describe("The IANA time zone (Europe/Berlin) of times written without an offset."),
  timeFormat: timeFormat.optional().describe(TIME_FORMAT),
  dst: z
    .enum(["earlier", "later"])
    .optional()
    .describe(
      "A local time that happens twice or never at a daylight-saving change: the earlier or the later instant (else an error).",
    ),
  fields: fieldsSchema
    .optional()
    .describe(
      "How records map to run fields. Without fields, the source is read as sift-run-sync's own manifest format.",
    ),
  ignoreColumns: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "Columns (or record keys, dot paths allowed: results.operator) no field reads, on purpose; any other unmapped column, or key under a mapped object, is an error.",
    ),
  records: z
    .string()
    .min(1)
    .optional()
    .describe(
      "YAML, JSON, JSON Lines: the dot path of the list of records (data.items); default: the file is the list.",
    ),
});
export type SourceEntry = z.infer<typeof sourceSchema>;

export const configSchema = z
  .strictObject({
    version: z.literal(CONFIG_VERSION).describe("The config format's version: 1."),
    sources: z
      .array(sourceSchema)
      .min(1)
      .describe("The exports to read: files, directories or globs, and how each maps to runs."),
    /** Read like a YAML manifest's `defaults` (yaml-run.ts), which has its own messages. */
    defaults: z
      .unknown()
      .optional()
      .describe(
        "As in YAML manifests: fields every run gets when it leaves them out, e.g. { tags: [nightly] }.",
      ),
    options: optionsSchema
      .optional()
      .describe(
        "Options of plan and apply, named as their flags in camelCase; a flag on the command line wins.",
      ),
  })
  .describe(
    "sift-run-sync.yaml: the sync config of sift-run-sync (which exports to read, how they map to Sift runs).",
  );
export type ConfigEntry = z.infer<typeof configSchema>;
