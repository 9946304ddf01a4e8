import { canonicalJson } from "../sift/metadata-entry.js";
import { isJsonObject } from "../sift/schemas.js";
import { invalidArgument } from "./api-error.js";
import { kindOfWireType, wireKeyType } from "./key-types.js";
import { type MetadataValueInput, normalizeNames } from "./request-bodies.js";
import type { Store } from "./store.js";
import type { StoredKeyType, StoredMetadata } from "./types.js";

type RawMetadata = Extract<StoredMetadata, { type: "raw" }>;
type ValueKind = Exclude<StoredKeyType, "other">;

/** The metadata of a write, checked, plus the keys it will create when committed. */
export interface ResolvedMetadata {
  values: StoredMetadata[];
  newKeys: { name: string; type: ValueKind }[];
}

/**
 * Checks metadata values against the organization's keys. NOTE: a key name has one type
 * org-wide; a key the organization does not know yet is created with the type of the value
 * sent (as Sift does). Nothing is created here: the caller commits `newKeys` once the whole
 * request is valid. `held` are the raw entries of the request (by their place in its list)
 * that `takeHeldEntries` took out: stored as they were.
 */
export function resolveMetadata(
  store: Store,
  inputs: MetadataValueInput[],
  held: ReadonlyMap<number, RawMetadata> = new Map(),
): ResolvedMetadata {
  const values: StoredMetadata[] = [];
  const newKeys: ResolvedMetadata["newKeys"] = [];
  const seen = new Set<string>();
  let next = 0;
  for (let i = 0; i < inputs.length + held.size; i++) {
    const where = `metadata[${i}]`;
    const raw = held.get(i);
    const input = raw === undefined ? inputs[next++]! : undefined;
    const name = raw?.name ?? input!.key.name;
    if (name === "") throw invalidArgument(`${where}: key.name is required`);
    if (seen.has(name)) throw invalidArgument(`${where}: metadata key "${name}" is given twice`);
    seen.add(name);
    if (raw !== undefined) {
      values.push(raw);
      continue;
    }
    const value = readValue(input!, name, where);
    const declared = input!.key.type === undefined ? undefined : kindOfWireType(input!.key.type);
    if (declared !== undefined && declared !== value.type) {
      throw invalidArgument(
        `${where}: key "${name}" is declared ${input!.key.type} but holds a ${value.type} value`,
      );
    }
    const existing = store.findMetadataKey(name);
    if (existing === undefined) newKeys.push({ name, type: value.type });
    else if (existing.type !== value.type) {
      throw invalidArgument(
        `${where}: metadata key "${name}" has type ${wireKeyType(existing)} in the organization; a ${value.type} value cannot be stored under it`,
      );
    }
    values.push(value);
  }
  return { values, newKeys };
}

/** Creates the keys a checked write introduced. */
export function commitMetadataKeys(store: Store, resolved: ResolvedMetadata): void {
  for (const key of resolved.newKeys) {
    if (store.findMetadataKey(key.name) === undefined) store.addMetadataKey(key.name, key.type);
  }
}

/**
 * Takes out of an UpdateRun body the metadata entries equal (as protojson reads them) to raw
 * entries the run holds: a newer Sift knows the shapes it emitted, so a client that sends one
 * back unchanged is accepted, which the request schema (strict about unknown fields) could not
 * do. Returns the body without them and each one by its place in the list.
 */
export function takeHeldEntries(
  body: unknown,
  held: readonly StoredMetadata[],
): { body: unknown; taken: Map<number, RawMetadata> } {
  const taken = new Map<number, RawMetadata>();
  const raws = held.filter((m): m is RawMetadata => m.type === "raw");
  const run = isJsonObject(body) ? body.run : undefined;
  if (raws.length === 0 || !isJsonObject(run) || !Array.isArray(run.metadata))
    return { body, taken };
  const known = new Map(raws.map((m) => [canonicalJson(normalizeNames(m.raw)), m]));
  const rest = run.metadata.filter((entry, i) => {
    if (!isJsonObject(entry)) return true;
    let text: string;
    try {
      text = canonicalJson(normalizeNames(entry));
    } catch {
      return true; // not a readable entry: the request schema says why
    }
    const match = known.get(text);
    if (match !== undefined) taken.set(i, match);
    return match === undefined;
  });
  return taken.size === 0
    ? { body, taken }
    : { body: { ...(body as object), run: { ...run, metadata: rest } }, taken };
}

function readValue(
  input: MetadataValueInput,
  name: string,
  where: string,
): Exclude<StoredMetadata, RawMetadata> {
  const set: Exclude<StoredMetadata, RawMetadata>[] = [];
  if (input.stringValue !== undefined) {
    set.push({ name, type: "string", value: input.stringValue });
  }
  if (input.numberValue !== undefined) {
    set.push({ name, type: "number", value: input.numberValue });
  }
  if (input.booleanValue !== undefined) {
    set.push({ name, type: "boolean", value: input.booleanValue });
  }
  if (input.relationValue !== undefined) {
    const { resourceType, resourceId } = input.relationValue;
    // NOTE: both are REQUIRED in metadata.proto; what Sift checks beyond that is unknown.
    if (resourceType === "" || resourceId === "") {
      throw invalidArgument(`${where}: relationValue needs a resourceType and a resourceId`);
    }
    set.push({ name, type: "relation", value: { resourceType, resourceId } });
  }
  if (set.length !== 1) {
    throw invalidArgument(
      `${where}: exactly one of stringValue, numberValue, booleanValue, relationValue must be set (got ${set.length})`,
    );
  }
  return set[0]!;
}
