import { type ZodType, z } from "zod";
import { METADATA_KEY_TYPE_NAMES } from "../sift/schemas.js";
import { invalidArgument } from "./api-error.js";
import { readTimestamp } from "./time-text.js";

/**
 * The request bodies, read the way protojson reads them: camelCase or snake_case names,
 * `null` meaning "not set", enums by name or number, timestamps with any offset (kept in
 * canonical UTC form). Unknown fields are discarded and reported, or refused when strict.
 */

const timestamp = z.string().transform((text, ctx) => {
  const parsed = readTimestamp(text);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: "custom", message: `"${text}" ${parsed.reason}` });
  return z.NEVER;
});

/** protojson reads a double from a JSON number or from a string such as "1.5" or "NaN". */
const double = z.union([
  z.number(),
  z.string().transform((text, ctx) => {
    const n = Number(text);
    if (text.trim() !== "" && (Number.isFinite(n) || /^-?(NaN|Infinity)$/.test(text))) return n;
    ctx.addIssue({ code: "custom", message: `"${text}" is not a number` });
    return z.NEVER;
  }),
]);

const KEY_TYPE_NAMES = [...METADATA_KEY_TYPE_NAMES] as [string, ...string[]];

/** NOTE: protojson reads an enum from its name or its number (`"type": 2`). */
const keyType = z.union([
  z.enum(KEY_TYPE_NAMES),
  z
    .number()
    .int()
    .transform((n, ctx) => {
      const name = KEY_TYPE_NAMES[n];
      if (name !== undefined) return name;
      ctx.addIssue({ code: "custom", message: `${n} is not a supported MetadataKeyType` });
      return z.NEVER;
    }),
]);

/** A MetadataKey or MetadataValue may carry its archive state; a write ignores it. */
const archiveFields = { archivedDate: timestamp.optional(), isArchived: z.boolean().optional() };

const metadataValue = z.strictObject({
  key: z.strictObject({
    name: z.string().default(""),
    type: keyType.optional(),
    ...archiveFields,
  }),
  stringValue: z.string().optional(),
  numberValue: double.optional(),
  booleanValue: z.boolean().optional(),
  relationValue: z
    .strictObject({
      resourceType: z.string().default(""),
      resourceId: z.string().default(""),
    })
    .optional(),
  ...archiveFields,
});
export type MetadataValueInput = z.infer<typeof metadataValue>;

const strings = z.array(z.string());

export const createRunRequest = z.strictObject({
  name: z.string().default(""),
  description: z.string().optional(),
  tags: strings.optional(),
  startTime: timestamp.optional(),
  stopTime: timestamp.optional(),
  organizationId: z.string().optional(),
  clientKey: z.string().optional(),
  metadata: z.array(metadataValue).optional(),
  createDefaultReport: z.boolean().optional(),
});
export type CreateRunInput = z.infer<typeof createRunRequest>;

export const createAdhocRunRequest = z.strictObject({
  name: z.string().default(""),
  description: z.string().optional(),
  startTime: timestamp.optional(),
  stopTime: timestamp.optional(),
  assetIds: strings.optional(),
  tags: strings.optional(),
  metadata: z.array(metadataValue).optional(),
  clientKey: z.string().optional(),
});
export type CreateAdhocRunInput = z.infer<typeof createAdhocRunRequest>;

/** A whole `Run` message: every field may be sent, only the masked ones are used. */
const runMessage = z.strictObject({
  runId: z.string().optional(),
  createdDate: timestamp.optional(),
  modifiedDate: timestamp.optional(),
  createdByUserId: z.string().optional(),
  modifiedByUserId: z.string().optional(),
  organizationId: z.string().optional(),
  startTime: timestamp.optional(),
  stopTime: timestamp.optional(),
  isPinned: z.boolean().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  tags: strings.optional(),
  defaultReportId: z.string().optional(),
  clientKey: z.string().optional(),
  metadata: z.array(metadataValue).optional(),
  assetIds: strings.optional(),
  archivedDate: timestamp.optional(),
  isArchived: z.boolean().optional(),
  isAdhoc: z.boolean().optional(),
  duration: z.string().optional(),
});

export const updateRunRequest = z.strictObject({
  run: runMessage.optional(),
  updateMask: z.string().optional(),
});
export type UpdateRunInput = z.infer<typeof updateRunRequest>;

export const validateFilterRequest = z.strictObject({ filter: z.string().optional() });

export interface BodyOptions {
  /** Refuse unknown fields (400) instead of discarding them. */
  strict: boolean;
  /** Told each unknown field, as `CreateRunRequest.metadata[].colour`. */
  onUnknownField(name: string): void;
}

/**
 * Reads `body` (parsed JSON) as the request `what`, or throws a 400 naming the first
 * problem. NOTE: grpc-gateway's unmarshaler discards unknown fields (`DiscardUnknown`).
 */
export function readBody<T>(
  schema: ZodType<T>,
  body: unknown,
  what: string,
  options: BodyOptions,
): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidArgument(`${what}: the body must be a JSON object`);
  }
  if (what === "UpdateRunRequest") rejectListMask(body);
  const input = normalizeNames(body, "");
  let result = schema.safeParse(input);
  const unknown = result.success
    ? []
    : result.error.issues.filter((issue) => issue.code === "unrecognized_keys");
  if (unknown.length > 0) {
    for (const issue of unknown) {
      const at = issue.path.map((p) => (typeof p === "number" ? "[]" : `.${String(p)}`)).join("");
      for (const key of issue.keys) options.onUnknownField(`${what}${at}.${key}`);
    }
    if (options.strict) {
      const [issue] = unknown;
      const at = issue!.path.join(".");
      throw invalidArgument(
        `${what}: unknown field "${issue!.keys[0]}"${at === "" ? "" : ` in ${at}`}`,
      );
    }
    for (const issue of unknown) dropKeys(input, issue.path, issue.keys);
    result = schema.safeParse(input);
  }
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const at = issue.path.join(".");
  throw invalidArgument(`${what}: ${at === "" ? "" : at + ": "}${issue.message}`);
}

function dropKeys(root: unknown, path: PropertyKey[], keys: string[]): void {
  let node = root as Record<PropertyKey, unknown> | undefined;
  for (const step of path) node = node?.[step] as Record<PropertyKey, unknown> | undefined;
  for (const key of keys) if (node !== undefined) delete node[key];
}

/** NOTE: a FieldMask's JSON form is one string; a list is what careless clients send. */
function rejectListMask(body: object): void {
  const mask =
    (body as Record<string, unknown>).updateMask ?? (body as Record<string, unknown>).update_mask;
  if (Array.isArray(mask)) {
    throw invalidArgument(
      "UpdateRunRequest: updateMask must be one comma-separated string (google.protobuf.FieldMask), not a list",
    );
  }
}

/**
 * snake_case names become camelCase, `null` fields are dropped (protojson reads null as
 * "not set"); the same field under both names is an error. The request messages have no
 * free-form maps, so every object key is a field name.
 */
export function normalizeNames(value: unknown, path = ""): unknown {
  if (Array.isArray(value)) return value.map((v, i) => normalizeNames(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (field === null) continue;
    const camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    if (camel in out) {
      throw invalidArgument(`field "${camel}" given twice${path === "" ? "" : ` in ${path}`}`);
    }
    out[camel] = normalizeNames(field, path === "" ? camel : `${path}.${camel}`);
  }
  return out;
}
