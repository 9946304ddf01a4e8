import { z } from "zod";
import type { Timestamp } from "../time/timestamp.js";

/**
 * The Sift REST API's JSON, as protojson emits it: camelCase names; default values either
 * emitted (`"tags": []`, `"archivedDate": null`) or omitted, depending on how the server's
 * marshaler is configured. These schemas accept both and fill what is omitted, so the rest
 * of the program never checks for a missing `tags` or `isPinned`. Shared by the client
 * (parsing answers) and the emulator (its output must parse here).
 */

const timestamp = z.string().transform((s) => s as Timestamp);

export const METADATA_KEY_TYPES = {
  string: "METADATA_KEY_TYPE_STRING",
  number: "METADATA_KEY_TYPE_NUMBER",
  boolean: "METADATA_KEY_TYPE_BOOLEAN",
} as const;
export type MetadataKeyTypeWire = (typeof METADATA_KEY_TYPES)[keyof typeof METADATA_KEY_TYPES];
/** A value type by its plain name, as manifests and emulator seeds give it (`number`). */
export type MetadataValueType = keyof typeof METADATA_KEY_TYPES;
export const METADATA_VALUE_TYPES = Object.keys(METADATA_KEY_TYPES) as MetadataValueType[];

/** A key whose values reference another resource (`relationValue`); no manifest can write one. */
export const METADATA_KEY_TYPE_RELATION = "METADATA_KEY_TYPE_RELATION";

/** `sift.metadata.v1.MetadataKeyType`, by enum number. */
export const METADATA_KEY_TYPE_NAMES = [
  "METADATA_KEY_TYPE_UNSPECIFIED",
  ...Object.values(METADATA_KEY_TYPES),
  METADATA_KEY_TYPE_RELATION,
] as const;

/**
 * A key type as Sift sends it: an enum name, most likely, but protojson may be configured to
 * send numbers, and a newer Sift may have types this client does not know. Known numbers
 * become their names; an unknown one stays a number's text (`"9"`), so it is never taken
 * for a known type.
 */
export type KeyTypeName = string;

export function keyTypeName(type: unknown): KeyTypeName {
  if (typeof type === "string") return type;
  if (typeof type === "number") return METADATA_KEY_TYPE_NAMES[type] ?? String(type);
  return METADATA_KEY_TYPE_NAMES[0];
}

const keyTypeSchema = z
  .union([z.string(), z.number().int()])
  .transform((type) => keyTypeName(type));

/**
 * An unset message field may arrive as `null` (emitted defaults): read it as absent. An object
 * without a null field is passed on as it is (zod builds its output anew either way): copying
 * every run of every lookup page cost a large part of reading the page.
 */
function dropNulls(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (record[key] === null && Object.hasOwn(record, key)) return withoutNulls(record);
  }
  return value;
}

function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === null) continue;
    // NOTE: an own field named __proto__ (JSON.parse makes one) stays a field, not a prototype.
    if (key === "__proto__")
      Object.defineProperty(copy, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = value;
  }
  return copy;
}

const metadataKeySchema = z.object({
  name: z.string(),
  type: keyTypeSchema.default("METADATA_KEY_TYPE_UNSPECIFIED"),
});
export type MetadataKey = z.infer<typeof metadataKeySchema>;

/**
 * One metadata value of a run (`sift.metadata.v1.MetadataValue`), kept exactly as the JSON
 * Sift sent: `{"key": {"name": "altitude", "type": "METADATA_KEY_TYPE_NUMBER"},
 * "numberValue": 1200}`. NOTE: UpdateRun replaces a run's metadata list whole, so a value
 * this client does not manage (a relation, a type or field it does not know) must go back
 * byte for byte; nothing here reads or rebuilds it (`readMetadataEntry` classifies one).
 * Request bodies hold these too: values read from Sift, and values a plan builds.
 */
export interface MetadataValue {
  readonly key: { readonly name: string; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

export function isMetadataValue(value: unknown): value is MetadataValue {
  if (!isJsonObject(value)) return false;
  const key = value.key;
  return isJsonObject(key) && typeof key.name === "string";
}

/** A JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Passes the entry on as the same object: no field dropped, none reordered. */
export const metadataValueSchema = z.custom<MetadataValue>(isMetadataValue, {
  message: "expected a metadata value with key.name",
});

export const runSchema = z.preprocess(
  dropNulls,
  z.object({
    runId: z.string(),
    createdDate: timestamp.optional(),
    modifiedDate: timestamp.optional(),
    createdByUserId: z.string().default(""),
    modifiedByUserId: z.string().default(""),
    organizationId: z.string().default(""),
    startTime: timestamp.optional(),
    stopTime: timestamp.optional(),
    isPinned: z.boolean().default(false),
    name: z.string().default(""),
    description: z.string().default(""),
    tags: z.array(z.string()).default([]),
    defaultReportId: z.string().default(""),
    clientKey: z.string().optional(),
    metadata: z.array(metadataValueSchema).default([]),
    assetIds: z.array(z.string()).default([]),
    archivedDate: timestamp.optional(),
    isArchived: z.boolean().default(false),
    isAdhoc: z.boolean().default(false),
    duration: z.string().optional(),
  }),
);
export type Run = z.infer<typeof runSchema>;

/**
 * An asset; an archived one (listed too: its name may be reused by a live asset) also carries
 * `isArchived: true` and its `archivedDate`. A live one is `{assetId, name}`, as before.
 */
const assetSchema = z
  .object({
    assetId: z.string(),
    name: z.string().default(""),
    isArchived: z.boolean().optional(),
    archivedDate: z.string().nullish(),
  })
  .transform(({ isArchived, archivedDate, ...asset }): AssetRecord => {
    if (isArchived !== true && (archivedDate ?? null) === null) return asset;
    return { ...asset, isArchived: true, ...(archivedDate != null && { archivedDate }) };
  });
interface AssetRecord {
  assetId: string;
  name: string;
  isArchived?: true;
  archivedDate?: string;
}
export type Asset = z.infer<typeof assetSchema>;

export const runResponseSchema = z.object({ run: runSchema });
export const listRunsResponseSchema = z.object({
  runs: z.array(runSchema).default([]),
  nextPageToken: z.string().default(""),
});
export const listAssetsResponseSchema = z.object({
  assets: z.array(assetSchema).default([]),
  nextPageToken: z.string().default(""),
});
/** `sift.tags.v2.Tag`: a tag_id filter compares the id, runs and assets hold the name. */
const tagSchema = z.object({
  tagId: z.string(),
  name: z.string().default(""),
  createdDate: z
    .string()
    .nullish()
    .transform((date) => date ?? undefined),
});
export type Tag = z.infer<typeof tagSchema>;
export const listTagsResponseSchema = z.object({
  tags: z.array(tagSchema).default([]),
  nextPageToken: z.string().default(""),
});
export const listMetadataKeysResponseSchema = z.object({
  metadataKeys: z.array(metadataKeySchema).default([]),
  nextPageToken: z.string().default(""),
});

/** One field of `runs:filterFields` (`sift.common.v1.FilterField`). */
const filterFieldSchema = z.object({
  fieldName: z.string(),
  type: z.string().default("FILTER_FIELD_TYPE_UNSPECIFIED"),
  enumValues: z.array(z.string()).default([]),
  description: z.string().default(""),
  displayName: z.string().default(""),
});
export type FilterField = z.infer<typeof filterFieldSchema>;
export const filterFieldsResponseSchema = z.object({
  filterFields: z.array(filterFieldSchema).default([]),
});
export const validateFilterResponseSchema = z.object({
  errorMessage: z.string().default(""),
});

/** The API's error body: `{"code": 3, "message": "...", "details": []}`. */
export const errorBodySchema = z.object({
  code: z.number().int(),
  message: z.string().default(""),
  details: z.array(z.unknown()).default([]),
});

/** gRPC status codes the API uses, with their HTTP statuses (grpc-gateway mapping). */
export const GRPC = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export const HTTP_STATUS_OF_GRPC: Record<number, number> = {
  3: 400,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  13: 500,
  14: 503,
  16: 401,
};

/** Paths UpdateRun accepts in its updateMask (lowerCamelCase on the wire). */
export const UPDATABLE_PATHS = [
  "name",
  "description",
  "startTime",
  "stopTime",
  "isPinned",
  "clientKey",
  "tags",
  "isArchived",
  "metadata",
] as const;
export type UpdatePath = (typeof UPDATABLE_PATHS)[number];

/**
 * The fields of CreateRun's and CreateAdhocRun's bodies, in the order this tool sends them
 * (as it always has: saved plans and request logs read the same from one version to the next).
 */
export const CREATE_BODY_PATHS = [
  "name",
  "description",
  "tags",
  "metadata",
  "clientKey",
  "startTime",
  "stopTime",
  "assetIds",
] as const satisfies readonly (keyof CreateRunBody | keyof CreateAdhocRunBody)[];

/** Request bodies. */
export interface CreateRunBody {
  name: string;
  description?: string;
  tags?: string[];
  startTime?: string;
  stopTime?: string;
  clientKey?: string;
  metadata?: MetadataValue[];
  organizationId?: string;
}
export interface CreateAdhocRunBody {
  name: string;
  description?: string;
  startTime: string;
  stopTime: string;
  assetIds: string[];
  tags?: string[];
  metadata?: MetadataValue[];
  clientKey?: string;
}
export interface UpdateRunBody {
  run: { runId: string } & Partial<{
    name: string;
    description: string;
    startTime: string;
    stopTime: string;
    isPinned: boolean;
    clientKey: string;
    tags: string[];
    isArchived: boolean;
    metadata: MetadataValue[];
  }>;
  /** One comma-separated string of camelCase paths (google.protobuf.FieldMask JSON form). */
  updateMask: string;
}
