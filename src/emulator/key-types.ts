import { keyTypeName, METADATA_KEY_TYPE_RELATION, METADATA_KEY_TYPES } from "../sift/schemas.js";
import type { StoredKeyType, StoredMetadataKey } from "./types.js";

/** A key type as stored: a kind, and for `other` the wire form to list it with. */
export interface KeyTypeOf {
  type: StoredKeyType;
  wireType?: string | number;
}

type ValueKind = Exclude<StoredKeyType, "other">;

const KIND_OF_NAME: Record<string, ValueKind | undefined> = {
  [METADATA_KEY_TYPES.string]: "string",
  [METADATA_KEY_TYPES.number]: "number",
  [METADATA_KEY_TYPES.boolean]: "boolean",
  [METADATA_KEY_TYPE_RELATION]: "relation",
};

/** The kind of a key type given by enum name or number; undefined for one not modelled. */
export function kindOfWireType(type: string | number): ValueKind | undefined {
  return KIND_OF_NAME[keyTypeName(type)];
}

/** The enum name of a stored key type (`other` keys: their wire form, as seeded). */
export function wireKeyType(key: Pick<StoredMetadataKey, "type" | "wireType">): string | number {
  switch (key.type) {
    case "relation":
      return METADATA_KEY_TYPE_RELATION;
    case "other":
      return key.wireType ?? "METADATA_KEY_TYPE_UNSPECIFIED";
    default:
      return METADATA_KEY_TYPES[key.type];
  }
}

/**
 * A key type given as a seed or a raw entry gives it: a plain name (`number`, `relation`),
 * an enum name or number; anything else stands for a type this emulator does not model.
 */
export function readKeyType(given: string | number | undefined): KeyTypeOf {
  if (given === undefined) return { type: "other", wireType: "METADATA_KEY_TYPE_UNSPECIFIED" };
  if (given === "string" || given === "number" || given === "boolean" || given === "relation") {
    return { type: given };
  }
  const kind = kindOfWireType(given);
  return kind === undefined ? { type: "other", wireType: given } : { type: kind };
}
