import { z } from "zod";

export const METADATA_TYPES = ["string", "number", "boolean"] as const;
export type MetadataType = (typeof METADATA_TYPES)[number];

/**
 * One metadata value as written in a manifest. `type` is set when the manifest declares
 * it (a CSV column suffix `metadata.k:number`). Without it, the key's type in the
 * organization decides, else the value's own type (YAML scalars), else string.
 */
export const metadataSpecSchema = z.object({
  value: z.union([z.string(), z.number(), z.boolean()]),
  type: z.enum(METADATA_TYPES).optional(),
  /**
   * A YAML/JSON number as written, when that differs from the number (`00123`, `1.50`):
   * used if the key turns out to be of type string, so `sample_id: 00123` stays "00123".
   */
  text: z.string().optional(),
});
export type MetadataSpec = z.infer<typeof metadataSpecSchema>;
