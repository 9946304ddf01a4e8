import type { Problem } from "../core/errors.js";
import type { MetadataSpec, MetadataType, RunSpec } from "../manifest/index.js";
import type { TypedValue } from "../sift/metadata-entry.js";
import {
  type KeyTypeName,
  METADATA_KEY_TYPE_RELATION,
  METADATA_KEY_TYPES,
} from "../sift/schemas.js";

export {
  readMetadataValue,
  sameTypedValue,
  toMetadataValue,
  type TypedValue,
} from "../sift/metadata-entry.js";

const TYPE_OF_WIRE: Record<string, MetadataType> = {
  METADATA_KEY_TYPE_STRING: "string",
  METADATA_KEY_TYPE_NUMBER: "number",
  METADATA_KEY_TYPE_BOOLEAN: "boolean",
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(["true", "yes", "1"]);
const FALSE = new Set(["false", "no", "0"]);

/**
 * Types each metadata value of a spec: the manifest's declared type, else the key's type in
 * the organization, else the value's own type (YAML scalars; CSV cells are strings). Values are
 * coerced losslessly (YAML `123` for a string key becomes "123"); anything else is a problem.
 */
export function resolveMetadata(
  spec: RunSpec,
  keyTypes: ReadonlyMap<string, KeyTypeName>,
  problems: Problem[],
): Map<string, TypedValue> | undefined {
  if (spec.metadata === undefined) return undefined;
  const resolved = new Map<string, TypedValue>();
  for (const [name, entry] of Object.entries(spec.metadata)) {
    const orgType = keyTypes.get(name);
    const orgPlain = orgType === undefined ? undefined : TYPE_OF_WIRE[orgType];
    // NOTE: made for a problem only: every row of every plan comes here, most with none.
    const where = () => ({
      file: spec.source.file,
      line: spec.source.line,
      field: `metadata.${name}`,
    });
    if (orgType !== undefined && orgPlain === undefined) {
      problems.push(unmanagedKey(spec, name, orgType));
      continue;
    }
    if (entry.type !== undefined && orgPlain !== undefined && entry.type !== orgPlain) {
      problems.push({
        ...where(),
        message: `declared ${entry.type}, but the key is a ${orgPlain} in the organization (a key has one type)`,
      });
      continue;
    }
    const type: MetadataType = entry.type ?? orgPlain ?? (typeof entry.value as MetadataType);
    const value = coerce(entry, type);
    if (value === undefined) {
      problems.push({
        ...where(),
        message: `${JSON.stringify(entry.value)} is not a ${type} (expected ${EXPECTED[type]})`,
      });
      continue;
    }
    resolved.set(name, { type: METADATA_KEY_TYPES[type], value });
  }
  return resolved;
}

/**
 * A manifest naming a key whose values no manifest can write: a relation key, or one of a
 * type this tool does not know. NOTE: writing such a key as a string would be refused by
 * Sift at best; the key's values stay as Sift has them.
 */
export function unmanagedKey(spec: RunSpec, name: string, type: KeyTypeName): Problem {
  const where = { file: spec.source.file, line: spec.source.line };
  if (type === METADATA_KEY_TYPE_RELATION) {
    return {
      ...where,
      message: `metadata.${name} is a relation key in Sift; relation values are not managed by manifests`,
    };
  }
  return {
    ...where,
    message: `metadata.${name} is a key of type ${type} in Sift, which this tool does not know; its values are not managed by manifests`,
  };
}

const EXPECTED: Record<MetadataType, string> = {
  string: "text",
  number: "a number such as 1200 or 0.5",
  boolean: "true, false, yes, no, 1 or 0",
};

function coerce(entry: MetadataSpec, type: MetadataType): string | number | boolean | undefined {
  const v = entry.value;
  switch (type) {
    case "string":
      if (typeof v === "string") return v;
      return typeof v === "number" && entry.text !== undefined ? entry.text : String(v);
    case "number":
      if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
      if (typeof v === "string" && NUMBER.test(v.trim())) return Number(v.trim());
      return undefined;
    case "boolean":
      if (typeof v === "boolean") return v;
      if (typeof v === "string") {
        const s = v.trim().toLowerCase();
        if (TRUE.has(s)) return true;
        if (FALSE.has(s)) return false;
      }
      return undefined;
    default:
      return type satisfies never;
  }
}
