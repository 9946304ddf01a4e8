import { formatCount } from "../core/words.js";
import { UNICODE_MODES } from "../core/unicode.js";
import { z } from "zod";
import {
  MAX_CLIENT_KEY_LENGTH,
  MAX_TEXT_LENGTH,
  NAMED_FIELDS,
  type NamedField,
  type ReadKind,
} from "../manifest/index.js";
import {
  metadataValueSchema,
  UPDATABLE_PATHS,
  type UpdatePath,
  type UpdateRunBody,
} from "../sift/schemas.js";

/**
 * The saved plan (`plan --out FILE`, `apply --plan FILE`): the `--format json` plan plus what
 * apply needs to execute exactly the reviewed change — each request body, the follow-up of a
 * create, and each existing run's modifiedDate (a run changed since is skipped). Never the key.
 * Unknown keys are dropped, so later versions may add keys without breaking this reader.
 *
 * What apply sends is bounded as the manifests bound it (a text at most MAX_TEXT_LENGTH
 * characters, a clientKey MAX_CLIENT_KEY_LENGTH): a 100 MiB name in a plan is refused when the
 * file is read, never sent. Old values, and metadata kept as Sift holds it, come from Sift and
 * are bounded only by the length of a line (see plan-file-read.ts).
 */

const BOUND = `is longer than the manifests allow (${formatCount(MAX_TEXT_LENGTH)} characters)`;
const text = z.string().max(MAX_TEXT_LENGTH, { message: BOUND });
const clientKey = z
  .string()
  .min(1)
  .max(MAX_CLIENT_KEY_LENGTH, { message: `is longer than ${MAX_CLIENT_KEY_LENGTH} characters` });
/** Sift's ids are UUIDs; a clientKey's bound leaves room for any other id scheme. */
const id = z.string().min(1).max(MAX_CLIENT_KEY_LENGTH, { message: "is not an id (too long)" });
const texts = z.array(text);

const oldValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]).nullable();
const newValue = z.union([text, z.number(), z.boolean(), texts]).nullable();

const fieldEntrySchema = z.object({
  field: text,
  before: oldValue,
  after: newValue,
});

/** How a saved plan holds a value, by the kind of its field (run-fields.ts). */
const SAVED: Record<ReadKind, z.ZodType> = {
  clientKey,
  runId: id,
  name: text,
  text,
  timestamp: text,
  assets: z.array(id),
  tags: texts,
  boolean: z.boolean(),
  metadata: z.array(metadataValueSchema),
};

/** An UpdateRun's fields (an update's request, a create's follow-up), in mask-path order. */
const runFields = Object.fromEntries(
  UPDATABLE_PATHS.map((path) => [path, SAVED[wireField(path).read].optional()]),
) as { [P in UpdatePath]: z.ZodOptional<z.ZodType<NonNullable<UpdateRunBody["run"][P]>>> };

function wireField(path: UpdatePath): NamedField {
  return NAMED_FIELDS.find((f) => f.wire === path)!;
}

// NOTE: no organizationId: a plan never sets one, so a request holding one was not reviewed.
const createRunBodySchema = z.object({
  name: text,
  description: text.optional(),
  tags: texts.optional(),
  startTime: text.optional(),
  stopTime: text.optional(),
  clientKey: clientKey.optional(),
  metadata: z.array(metadataValueSchema).optional(),
});

const createAdhocRunBodySchema = z.object({
  name: text,
  description: text.optional(),
  startTime: text,
  stopTime: text,
  assetIds: z.array(id),
  tags: texts.optional(),
  metadata: z.array(metadataValueSchema).optional(),
  clientKey: clientKey.optional(),
});

const updateMaskString = z.string().min(1);

const base = {
  clientKey,
  source: z.string(),
  warnings: z.array(z.string()),
  fields: z.array(fieldEntrySchema),
};

const createEntrySchema = z
  .object({
    ...base,
    action: z.literal("create"),
    call: z.enum(["CreateRun", "CreateAdhocRun"]),
    // CreateAdhocRun's body first: CreateRun's would accept it and drop its assetIds.
    request: z.union([createAdhocRunBodySchema, createRunBodySchema]),
    followUp: z.object({ run: z.object(runFields), updateMask: updateMaskString }).optional(),
  })
  .refine((e) => (e.call === "CreateAdhocRun") === "assetIds" in e.request, {
    message: "call does not match the request (CreateAdhocRun needs assetIds, CreateRun has none)",
    path: ["call"],
  });

/** One UpdateRun of an existing run: update, adopt, unarchive and archive entries. */
const runUpdate = {
  ...base,
  runId: id,
  updateMask: z.array(z.enum(UPDATABLE_PATHS)).min(1),
  modifiedDate: z.string().optional(),
  request: z.object({
    run: z.object({ runId: id, ...runFields }),
    updateMask: updateMaskString,
  }),
};

const updateEntrySchema = z.object({ ...runUpdate, action: z.literal("update") });
const unarchiveEntrySchema = z.object({ ...runUpdate, action: z.literal("unarchive") });
const archiveEntrySchema = z.object({ ...runUpdate, action: z.literal("archive") });
const adoptEntrySchema = z
  .object({ ...runUpdate, action: z.literal("adopt"), adoptedBy: z.string() })
  .refine((e) => e.request.run.clientKey === e.clientKey && e.updateMask.includes("clientKey"), {
    message: "an adopt sets the entry's clientKey",
    path: ["request"],
  });

const unchangedEntrySchema = z.object({
  ...base,
  action: z.literal("unchanged"),
  runId: id,
  modifiedDate: z.string().optional(),
});

const skipEntrySchema = z.object({
  ...base,
  action: z.literal("skip"),
  reason: z.string(),
});

const invalidEntrySchema = z.object({
  ...base,
  action: z.literal("invalid"),
  problems: z.array(z.string()),
});

export const savedChangeSchema = z.discriminatedUnion("action", [
  createEntrySchema,
  updateEntrySchema,
  adoptEntrySchema,
  unarchiveEntrySchema,
  archiveEntrySchema,
  unchangedEntrySchema,
  skipEntrySchema,
  invalidEntrySchema,
]);
/** One run of a saved plan: what was reviewed and exactly what apply will send. */
export type SavedChange = z.infer<typeof savedChangeSchema>;

const count = z.number().int().nonnegative();
export const planSummarySchema = z.object({
  create: count,
  update: count,
  adopt: count.default(0),
  archive: count.default(0),
  unarchive: count.default(0),
  unchanged: count,
  invalid: count.default(0),
  skip: count.default(0),
  warnings: count,
});

/** A guard's refusal, as a refused plan records it after its summary (core/errors.ts Refusal). */
const refusalSchema = z.object({
  guard: z.enum(["max-changes", "max-archive", "allow-empty"]),
  limit: count,
  given: z.string().optional(),
  would: count,
  message: z.string(),
  override: z.string(),
});
/** Every guard that refused the plan; absent from a plan no guard refused (and from older plans). */
export const refusalsSchema = z.array(refusalSchema).min(1).optional();

const planOptionsSchema = z.object({
  metadata: z.enum(["merge", "replace"]),
  ignore: z.array(z.string()),
  /** `K/N` */
  shard: z.string().optional(),
  /** `--mode`; absent in plans made before it existed (upsert). */
  mode: z.enum(["upsert", "create-only", "update-only"]).optional(),
  adoptBy: z.array(z.string()).optional(),
  /** `--archive-missing --scope CEL` */
  archiveScope: z.string().optional(),
  /** `--unicode` as resolved (flag, else the sync config's, else nfc); absent in plans made before it. */
  unicode: z.enum(UNICODE_MODES).optional(),
});

/** Everything of a saved plan before its changes. */
export const planHeadSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  /** The API base URL the plan was made against; apply refuses another. */
  target: z.string(),
  /** ISO 8601, when the plan was made. */
  createdAt: z.string(),
  options: planOptionsSchema,
  /** The manifest paths as given on the command line. */
  manifests: z.array(z.string()),
});
export type PlanHead = z.infer<typeof planHeadSchema>;

export interface SavedPlan extends PlanHead {
  changes: SavedChange[];
  summary: z.infer<typeof planSummarySchema>;
  /** The guards that refused the plan when it was made: apply --plan refuses it too. */
  refusals?: z.infer<typeof refusalSchema>[];
}
