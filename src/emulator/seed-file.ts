import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { isJsonObject, METADATA_VALUE_TYPES } from "../sift/schemas.js";
import type { EmulatorSeed, RawMetadataEntry } from "./types.js";

/** A seed file (`--seed FILE`, JSON or YAML) read and checked against the seed's schema. */

/** A plain type, or an enum name or number (one this emulator does not model stands as given). */
const metadataType = z.union([
  z.enum([...METADATA_VALUE_TYPES, "relation"]),
  z
    .string()
    .regex(
      /^METADATA_KEY_TYPE_[A-Z0-9_]+$/,
      "expected string, number, boolean, relation or a METADATA_KEY_TYPE_… name",
    ),
  z.number().int().nonnegative(),
]);
const relationValue = z.strictObject({
  resourceType: z.string().min(1),
  resourceId: z.string().min(1),
});
const metadataMapping = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), relationValue]))
  .optional();
const rawMetadataEntry = z.custom<RawMetadataEntry>(
  (v) =>
    isJsonObject(v) && isJsonObject(v.key) && typeof v.key.name === "string" && v.key.name !== "",
  { message: "expected a metadata entry as the API emits it, with key.name" },
);
const seedSchema = z.strictObject({
  tags: z
    .array(
      z.union([z.string(), z.strictObject({ name: z.string(), tagId: z.string().optional() })]),
    )
    .optional(),
  assets: z
    .array(
      z.union([
        z.string(),
        z.strictObject({
          name: z.string(),
          assetId: z.string().optional(),
          tags: z.array(z.string()).optional(),
          metadata: metadataMapping,
          isArchived: z.boolean().optional(),
        }),
      ]),
    )
    .optional(),
  metadataKeys: z
    .union([
      z.array(z.strictObject({ name: z.string(), type: metadataType })),
      z.record(z.string(), metadataType),
    ])
    .optional(),
  runs: z
    .array(
      z.strictObject({
        runId: z.string().optional(),
        clientKey: z.string().optional(),
        name: z.string(),
        description: z.string().optional(),
        tags: z.array(z.string()).optional(),
        startTime: z.string().optional(),
        stopTime: z.string().optional(),
        isPinned: z.boolean().optional(),
        isArchived: z.boolean().optional(),
        isAdhoc: z.boolean().optional(),
        modifiedDate: z.string().optional(),
        assetNames: z.array(z.string()).optional(),
        assets: z.array(z.string()).optional(),
        assetIds: z.array(z.string()).optional(),
        metadata: metadataMapping,
        rawMetadata: z.array(rawMetadataEntry).optional(),
      }),
    )
    .optional(),
});

/** Reads a seed file: `.json` as JSON, anything else as YAML. */
export async function readSeedFile(path: string): Promise<EmulatorSeed> {
  const text = await readFile(path, "utf8");
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`seed ${path}: ${(error as Error).message}`, { cause: error });
  }
  return checkSeed(data ?? {}, path);
}

export function checkSeed(data: unknown, where = "seed"): EmulatorSeed {
  const result = seedSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`${where}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
}
