import { z } from "zod";
import type { Timestamp } from "../time/timestamp.js";
import { type MetadataSpec, metadataSpecSchema } from "./metadata-spec.js";

/**
 * The Run fields this tool reads from manifests, each declared once (as a Terraform provider
 * declares its attributes): its names, its type, how a manifest value is read, how the diff
 * compares it with Sift's, which request writes it, and what a sync config says of it. The
 * spec schema, the CSV/YAML/mapped readers, the sync config schema, the diff, the saved-plan
 * schema, the created-as-planned check and export iterate this table; a new field is an entry
 * here, its place in the wire schema (src/sift/schemas.ts) and in the emulator.
 */

const timestampSchema = z.custom<Timestamp>((v) => typeof v === "string");

/**
 * How a manifest value is read: each reader (csv-row.ts, yaml-run.ts,
 * sources/convert-value.ts) has one case per kind, never one per field.
 */
export type ReadKind =
  | "clientKey"
  | "runId"
  /** Text that may not be blank (YAML; a CSV cell is never blank). */
  | "name"
  | "text"
  | "timestamp"
  /** Asset names: without duplicates, in manifest order. */
  | "assets"
  /** Tag names: a set, without duplicates, sorted. */
  | "tags"
  | "boolean"
  | "metadata";

/**
 * How the diff compares the manifest's value with Sift's (plan/diff-update.ts), and so how
 * Sift's value is shown as the old one (plan/sift-value.ts):
 * - `identity`: how a run is found, never compared;
 * - `text`: as text, Sift's in NFC unless `--unicode keep`;
 * - `time`: as canonical timestamps;
 * - `set`: as sets of names;
 * - `equal`: by value;
 * - `asset-ids`: the resolved ids as a set; never updated (a difference is a warning);
 * - `metadata`: key by key (plan/metadata-list.ts).
 */
type Comparison = "identity" | "text" | "time" | "set" | "equal" | "asset-ids" | "metadata";

/**
 * Which request writes the field to a new run:
 * - `body`: CreateRun's and CreateAdhocRun's body;
 * - `follow-up`: one UpdateRun right after the create (the create calls cannot take it); the
 *   field defaults to false, so only `true` is sent;
 * - `adhoc`: CreateAdhocRun's `assetIds` (a run with assets is created ad hoc).
 */
type CreateWrite = "body" | "follow-up" | "adhoc";

/** A run spec (or YAML run parts) as the setters see it: typed by RunSpec at every caller. */
interface FieldStore {
  [field: string]: unknown;
}

export interface RunFieldDef {
  /** The field on Sift's Run, in UpdateRun's updateMask and in request bodies. */
  wire: string;
  /** The spec's value (RunSpec, the library's input). */
  schema: z.ZodType;
  /** Other spellings read as this field: the snake_case other systems export. */
  aliases: readonly string[];
  /** Column names other tools use for it: only suggested ("did you mean"), never read as it. */
  synonyms: readonly string[];
  read: ReadKind;
  /**
   * Stores a read value in a spec. Each names its property: this runs for every cell of
   * million-row files, and a computed `spec[field] = value` was measurably slower.
   */
  set(spec: FieldStore, value: unknown): void;
  compare: Comparison;
  /** Undefined for the identity (clientKey, runId), which creates carry as they are. */
  create?: CreateWrite;
  /** Whether UpdateRun changes it on an existing run (an updateMask path). */
  update: boolean;
  /** What a sync config's `fields.<name>` says (the config's JSON Schema). */
  config: string;
}

/**
 * Every field of a run spec, in report order: the identity (clientKey, runId), then the fields
 * a manifest can manage.
 */
const RUN_FIELD_TABLE = {
  clientKey: {
    wire: "clientKey",
    schema: z.string().min(1),
    aliases: ["client_key"],
    synonyms: ["key", "id", "externalid"],
    read: "clientKey",
    set: (s, v) => {
      s.clientKey = v as string;
    },
    compare: "identity",
    update: false,
    config: "Required: the run's clientKey, the key a run is found by.",
  },
  runId: {
    wire: "runId",
    schema: z.string().min(1).optional(),
    aliases: ["run_id"],
    synonyms: [],
    read: "runId",
    set: (s, v) => {
      s.runId = v as string;
    },
    compare: "identity",
    update: false,
    config: "The runId of an existing run without a clientKey: the row adopts it.",
  },
  name: {
    wire: "name",
    schema: z.string().optional(),
    aliases: [],
    synonyms: ["title", "runname"],
    read: "name",
    set: (s, v) => {
      s.name = v as string;
    },
    compare: "text",
    create: "body",
    update: true,
    config: "The run's name.",
  },
  description: {
    wire: "description",
    schema: z.string().optional(),
    aliases: [],
    synonyms: ["comment", "notes"],
    read: "text",
    set: (s, v) => {
      s.description = v as string;
    },
    compare: "text",
    create: "body",
    update: true,
    config: "The run's description.",
  },
  startTime: {
    wire: "startTime",
    schema: timestampSchema.optional(),
    aliases: ["start_time"],
    synonyms: ["start", "started", "begin", "starttimestamp"],
    read: "timestamp",
    set: (s, v) => {
      s.startTime = v as Timestamp;
    },
    compare: "time",
    create: "body",
    update: true,
    config: "The run's start time (see timeFormat, timezone).",
  },
  stopTime: {
    wire: "stopTime",
    schema: timestampSchema.optional(),
    aliases: ["stop_time"],
    synonyms: ["end", "ended", "stop", "stopped", "finish", "endtime"],
    read: "timestamp",
    set: (s, v) => {
      s.stopTime = v as Timestamp;
    },
    compare: "time",
    create: "body",
    update: true,
    config: "The run's stop time (see timeFormat, timezone).",
  },
  assets: {
    wire: "assetIds",
    /** Asset names, without duplicates, in manifest order. */
    schema: z.array(z.string()).optional(),
    aliases: [],
    synonyms: ["asset"],
    read: "assets",
    set: (s, v) => {
      s.assets = v as string[];
    },
    compare: "asset-ids",
    create: "adhoc",
    update: false,
    config: "The run's asset names (a list, or one cell split by separator).",
  },
  tags: {
    wire: "tags",
    /** A set: without duplicates, sorted. */
    schema: z.array(z.string()).optional(),
    aliases: [],
    synonyms: ["tag", "labels"],
    read: "tags",
    set: (s, v) => {
      s.tags = v as string[];
    },
    compare: "set",
    create: "body",
    update: true,
    config: "The run's tag names (a list, or one cell split by separator).",
  },
  isPinned: {
    wire: "isPinned",
    schema: z.boolean().optional(),
    aliases: ["is_pinned"],
    synonyms: ["pinned"],
    read: "boolean",
    set: (s, v) => {
      s.isPinned = v as boolean;
    },
    compare: "equal",
    create: "follow-up",
    update: true,
    config: "Whether the run is pinned (true/false/yes/no/1/0).",
  },
  isArchived: {
    wire: "isArchived",
    schema: z.boolean().optional(),
    aliases: ["is_archived"],
    synonyms: ["archived"],
    read: "boolean",
    set: (s, v) => {
      s.isArchived = v as boolean;
    },
    compare: "equal",
    create: "follow-up",
    update: true,
    config: "Whether the run is archived (true/false/yes/no/1/0).",
  },
  metadata: {
    wire: "metadata",
    /** Only the keys the manifest manages. `{}` manages "no keys" (matters for --metadata replace). */
    schema: z.record(z.string(), metadataSpecSchema).optional(),
    aliases: [],
    synonyms: [],
    read: "metadata",
    set: (s, v) => {
      s.metadata = v as Record<string, MetadataSpec>;
    },
    compare: "metadata",
    create: "body",
    update: true,
    config: "Metadata key → field (a column, a template or the long form).",
  },
} as const satisfies Record<string, RunFieldDef>;

type Table = typeof RUN_FIELD_TABLE;

/** The shape of a run spec's fields (spec.ts adds where the run was written). */
export const RUN_FIELD_SHAPE = Object.fromEntries(
  Object.entries(RUN_FIELD_TABLE).map(([name, def]) => [name, def.schema]),
) as { [K in keyof Table]: Table[K]["schema"] };

/** Every field of a run spec: the identity (clientKey, runId), then the fields a manifest can manage. */
export type RunField = keyof Table;
export const RUN_FIELDS = Object.keys(RUN_FIELD_TABLE) as RunField[];

/** The fields a manifest can manage (all but the identity), in report order. */
export type SpecField = {
  [K in RunField]: Table[K]["compare"] extends "identity" ? never : K;
}[RunField];
export const SPEC_FIELDS = RUN_FIELDS.filter(
  (f) => RUN_FIELD_TABLE[f].compare !== "identity",
) as SpecField[];

/** The fields whose value is a boolean: a Sift run holds each (false by default). */
export type BooleanField = {
  [K in RunField]: Table[K]["read"] extends "boolean" ? K : never;
}[RunField];
export const BOOLEAN_FIELDS = RUN_FIELDS.filter(
  (f) => RUN_FIELD_TABLE[f].read === "boolean",
) as BooleanField[];

/** A field with its name, for loops over the table. */
export type NamedField = RunFieldDef & { name: RunField };
export const NAMED_FIELDS: readonly NamedField[] = RUN_FIELDS.map((name) => ({
  name,
  create: undefined, // every entry of one shape: readers call these on every cell
  ...(RUN_FIELD_TABLE[name] as RunFieldDef),
}));

const BY_NAME = new Map<string, NamedField>(NAMED_FIELDS.map((f) => [f.name, f]));

/** The definition of a field. */
export function fieldDef(name: RunField): NamedField {
  return BY_NAME.get(name)!;
}

/** The field a report label or a saved plan's field names, if it names one (`metadata.k` does not). */
export function findField(name: string): NamedField | undefined {
  return BY_NAME.get(name);
}
