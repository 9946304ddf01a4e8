import {
  keyTypeName,
  METADATA_KEY_TYPE_RELATION,
  METADATA_KEY_TYPES,
  type MetadataKeyTypeWire,
  type MetadataValue,
} from "./schemas.js";

/** A metadata value with its type, as a manifest can say it: ready to compare and to send. */
export interface TypedValue {
  type: MetadataKeyTypeWire;
  value: string | number | boolean;
}

/**
 * What this client makes of one metadata entry of a run:
 * - `typed`: a string, number or boolean value in exactly the shape it knows: a manifest can
 *   manage it;
 * - `relation`: a `relationValue` (a reference to another resource, e.g. a folder);
 * - `unknown`: a key type or a field this client does not know (a newer Sift's, say).
 * The last two are never read as values: a plan carries them through updates as received.
 */
export type EntryReading =
  { kind: "typed"; typed: TypedValue } | { kind: "relation" } | { kind: "unknown"; why: string };

const VALUE_FIELD = {
  [METADATA_KEY_TYPES.string]: "stringValue",
  [METADATA_KEY_TYPES.number]: "numberValue",
  [METADATA_KEY_TYPES.boolean]: "booleanValue",
} as const satisfies Record<MetadataKeyTypeWire, string>;

const VALUE_FIELD_NAMES = Object.values(VALUE_FIELD);

const KEY_FIELDS = new Set(["name", "type", "archivedDate", "isArchived"]);
const VALUE_FIELDS = new Set([
  "key",
  "stringValue",
  "numberValue",
  "booleanValue",
  "archivedDate",
  "isArchived",
]);
const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};

/**
 * Classifies an entry as Sift sent it. Anything beyond the known shape (an unknown field in
 * the entry or its key, a second value, a value of the wrong JSON type) makes it `unknown`:
 * this client cannot tell what such an entry means, so it must not rewrite it.
 */
export function readMetadataEntry(entry: MetadataValue): EntryReading {
  const type = keyTypeName(entry.key.type);
  if (type === METADATA_KEY_TYPE_RELATION) return { kind: "relation" };
  if (!isKnownType(type)) return { kind: "unknown", why: `its key type is ${type}` };
  const odd =
    unknownFields(entry.key, KEY_FIELDS, "key.") ?? unknownFields(entry, VALUE_FIELDS, "");
  if (odd !== undefined) return { kind: "unknown", why: odd };
  const archive = checkArchive(entry.key, "key.") ?? checkArchive(entry, "");
  if (archive !== undefined) return { kind: "unknown", why: archive };
  const field = VALUE_FIELD[type];
  for (const other of VALUE_FIELD_NAMES) {
    if (other !== field && other in entry) {
      return { kind: "unknown", why: `it holds ${other} under a ${type} key` };
    }
  }
  // NOTE: protojson may omit a value holding its default ("", 0, false).
  const value = readValue(type, entry[field]);
  if (value === undefined) {
    return {
      kind: "unknown",
      why: `its ${field} ${JSON.stringify(entry[field])} is not a ${type}`,
    };
  }
  return { kind: "typed", typed: { type, value } };
}

/** The typed value of an entry a manifest can manage; undefined for any other. */
export function readMetadataValue(entry: MetadataValue): TypedValue | undefined {
  const reading = readMetadataEntry(entry);
  return reading.kind === "typed" ? reading.typed : undefined;
}

/** A new entry for a manifest's value. */
export function toMetadataValue(name: string, typed: TypedValue): MetadataValue {
  return { key: { name, type: typed.type }, [VALUE_FIELD[typed.type]]: typed.value };
}

export function sameTypedValue(a: TypedValue | undefined, b: TypedValue | undefined): boolean {
  return a !== undefined && b !== undefined && a.type === b.type && sameValue(a.value, b.value);
}

/** NaN equals NaN here: a value is unchanged when Sift holds what the manifest says. */
function sameValue(a: TypedValue["value"], b: TypedValue["value"]): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Whether two entries hold the same value: by type and value when this client knows both,
 * else as JSON (the order of fields aside). For checking that a write took effect.
 */
export function sameMetadataEntry(a: MetadataValue, b: MetadataValue): boolean {
  const ta = readMetadataValue(a);
  const tb = readMetadataValue(b);
  if (ta !== undefined || tb !== undefined) return sameTypedValue(ta, tb);
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with every object's fields sorted, so equal values give equal texts. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

function isKnownType(type: string): type is MetadataKeyTypeWire {
  return Object.hasOwn(VALUE_FIELD, type);
}

function unknownFields(
  object: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string>,
  prefix: string,
): string | undefined {
  // NOTE: a loop that allocates nothing first: every entry of every run looked up comes here.
  let odd = false;
  for (const field in object) {
    if (!known.has(field) && Object.hasOwn(object, field)) {
      odd = true;
      break;
    }
  }
  return odd ? describeUnknownFields(object, known, prefix) : undefined;
}

function describeUnknownFields(
  object: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string>,
  prefix: string,
): string {
  const odd = Object.keys(object).filter((field) => !known.has(field));
  const names = odd.map((f) => `${prefix}${f}`).join(", ");
  return `it has ${odd.length === 1 ? "a field" : "fields"} this tool does not know (${names})`;
}

function checkArchive(object: Readonly<Record<string, unknown>>, prefix: string) {
  const { archivedDate, isArchived } = object;
  if (archivedDate !== undefined && archivedDate !== null && typeof archivedDate !== "string") {
    return `its ${prefix}archivedDate is not a timestamp`;
  }
  if (isArchived !== undefined && isArchived !== null && typeof isArchived !== "boolean") {
    return `its ${prefix}isArchived is not a boolean`;
  }
  return undefined;
}

function readValue(type: MetadataKeyTypeWire, value: unknown): TypedValue["value"] | undefined {
  switch (type) {
    case METADATA_KEY_TYPES.string:
      if (value === undefined) return "";
      return typeof value === "string" ? value : undefined;
    case METADATA_KEY_TYPES.number:
      if (value === undefined) return 0;
      if (typeof value === "number") return value;
      return typeof value === "string" && Object.hasOwn(NON_FINITE, value)
        ? NON_FINITE[value]
        : undefined;
    case METADATA_KEY_TYPES.boolean:
      if (value === undefined) return false;
      return typeof value === "boolean" ? value : undefined;
    default:
      return type satisfies never;
  }
}
