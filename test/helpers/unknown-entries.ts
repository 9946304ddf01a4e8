import fc from "fast-check";

/**
 * Metadata entries of shapes this client does not know, as a newer Sift might send them:
 * an unknown value field (`fooValue`), an unknown key type (a name or an enum number), extra
 * fields in the key or the entry, a relation with extra fields. Each has its own key name,
 * `prefix` + a counter, so that a run's entries never share a key.
 */

/** A JSON value; object fields are plain identifiers (never `__proto__`). */
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.string(),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(identifier(), tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** Field names no MetadataValue or MetadataKey has. */
const KNOWN = new Set([
  "key",
  "name",
  "type",
  "stringValue",
  "numberValue",
  "booleanValue",
  "relationValue",
  "archivedDate",
  "isArchived",
]);

function identifier(): fc.Arbitrary<string> {
  return fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,9}$/).filter((s) => !KNOWN.has(s));
}

const KNOWN_TYPES = [
  "METADATA_KEY_TYPE_STRING",
  "METADATA_KEY_TYPE_NUMBER",
  "METADATA_KEY_TYPE_BOOLEAN",
] as const;

const unknownType = fc.oneof(
  fc.stringMatching(/^[A-Z][A-Z0-9_]{0,11}$/).map((s) => `METADATA_KEY_TYPE_X${s}`),
  fc.integer({ min: 5, max: 1000 }),
);

type Shape = (name: string) => fc.Arbitrary<Record<string, unknown>>;

const SHAPES: Shape[] = [
  // A value field this client does not know, under a known or unknown key type.
  (name) =>
    fc
      .tuple(
        fc.oneof(fc.constantFrom(...KNOWN_TYPES), unknownType),
        identifier().filter((f) => !KNOWN.has(`${f}Value`)),
        json,
      )
      .map(([type, field, value]) => ({ key: { name, type }, [`${field}Value`]: value })),
  // An unknown key type holding a known value field.
  (name) =>
    fc.tuple(unknownType, fc.string()).map(([type, value]) => ({
      key: { name, type },
      stringValue: value,
    })),
  // An extra field in the key.
  (name) =>
    fc.tuple(identifier(), json, fc.string()).map(([field, extra, value]) => ({
      key: { name, type: "METADATA_KEY_TYPE_STRING", [field]: extra },
      stringValue: value,
    })),
  // An extra field beside a known value.
  (name) =>
    fc.tuple(identifier(), json, fc.integer()).map(([field, extra, value]) => ({
      key: { name, type: "METADATA_KEY_TYPE_NUMBER" },
      numberValue: value,
      [field]: extra,
    })),
  // A relation, with extra fields in its value.
  (name) =>
    fc.tuple(fc.uuid(), identifier(), json).map(([id, field, extra]) => ({
      key: { name, type: "METADATA_KEY_TYPE_RELATION" },
      relationValue: { resourceType: "folder", resourceId: id, [field]: extra },
    })),
];

/** 1 to `max` unknown entries, keys `${prefix}0`, `${prefix}1`, ... */
export function unknownEntries(prefix: string, max = 3): fc.Arbitrary<{ key: { name: string } }[]> {
  return fc
    .array(fc.nat(SHAPES.length - 1), { minLength: 1, maxLength: max })
    .chain((shapes) =>
      fc.tuple(...shapes.map((shape, i) => SHAPES[shape]!(`${prefix}${i}`))),
    ) as fc.Arbitrary<{ key: { name: string } }[]>;
}
