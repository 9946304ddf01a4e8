import type { MetadataType } from "../manifest/spec.js";
import { METADATA_KEY_TYPES } from "../sift/schemas.js";
import { invalidArgument } from "./api-error.js";
import type { MetadataValueInput } from "./request-bodies.js";
import type { Store } from "./store.js";
import type { StoredMetadata } from "./types.js";

/** The metadata of a write, checked, plus the keys it will create when committed. */
export interface ResolvedMetadata {
  values: StoredMetadata[];
  newKeys: { name: string; type: MetadataType }[];
}

const TYPE_OF_WIRE: Record<string, MetadataType | undefined> = {
  [METADATA_KEY_TYPES.string]: "string",
  [METADATA_KEY_TYPES.number]: "number",
  [METADATA_KEY_TYPES.boolean]: "boolean",
};

/**
 * Checks metadata values against the organization's keys. NOTE: a key name has one type
 * org-wide; a key the organization does not know yet is created with the type of the value
 * sent (as Sift does). Nothing is created here: the caller commits `newKeys` once the whole
 * request is valid.
 */
export function resolveMetadata(store: Store, inputs: MetadataValueInput[]): ResolvedMetadata {
  const values: StoredMetadata[] = [];
  const newKeys: ResolvedMetadata["newKeys"] = [];
  const seen = new Set<string>();
  for (const [i, input] of inputs.entries()) {
    const name = input.key.name;
    const where = `metadata[${i}]`;
    if (name === "") throw invalidArgument(`${where}: key.name is required`);
    if (seen.has(name)) throw invalidArgument(`${where}: metadata key "${name}" is given twice`);
    seen.add(name);
    const { type, value } = readValue(input, where);
    const declared = input.key.type === undefined ? undefined : TYPE_OF_WIRE[input.key.type];
    if (declared !== undefined && declared !== type) {
      throw invalidArgument(
        `${where}: key "${name}" is declared ${input.key.type} but holds a ${type} value`,
      );
    }
    const existing = store.findMetadataKey(name);
    if (existing === undefined) newKeys.push({ name, type });
    else if (existing.type !== type) {
      throw invalidArgument(
        `${where}: metadata key "${name}" has type ${METADATA_KEY_TYPES[existing.type]} in the organization; a ${type} value cannot be stored under it`,
      );
    }
    values.push({ name, type, value });
  }
  return { values, newKeys };
}

/** Creates the keys a checked write introduced. */
export function commitMetadataKeys(store: Store, resolved: ResolvedMetadata): void {
  for (const key of resolved.newKeys) {
    if (store.findMetadataKey(key.name) === undefined) store.addMetadataKey(key.name, key.type);
  }
}

function readValue(
  input: MetadataValueInput,
  where: string,
): { type: MetadataType; value: string | number | boolean } {
  const set: { type: MetadataType; value: string | number | boolean }[] = [];
  if (input.stringValue !== undefined) set.push({ type: "string", value: input.stringValue });
  if (input.numberValue !== undefined) set.push({ type: "number", value: input.numberValue });
  if (input.booleanValue !== undefined) set.push({ type: "boolean", value: input.booleanValue });
  if (set.length !== 1) {
    throw invalidArgument(
      `${where}: exactly one of stringValue, numberValue, booleanValue must be set (got ${set.length})`,
    );
  }
  return set[0]!;
}
