import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  readMetadataEntry,
  sameMetadataEntry,
} from "../../src/sift/metadata-entry.js";
import { runSchema, type MetadataValue } from "../../src/sift/schemas.js";
import { unknownEntries } from "../helpers/unknown-entries.js";

/** What the client makes of a metadata entry: a value it manages, or one it carries untouched. */

const STRING = "METADATA_KEY_TYPE_STRING";
const NUMBER = "METADATA_KEY_TYPE_NUMBER";

describe("readMetadataEntry", () => {
  it("reads the known shapes, emitted defaults and omitted values included", () => {
    const cases: [MetadataValue, unknown][] = [
      [
        { key: { name: "a", type: STRING }, stringValue: "x" },
        { type: STRING, value: "x" },
      ],
      [
        { key: { name: "a", type: 2 }, numberValue: 1.5 },
        { type: NUMBER, value: 1.5 },
      ],
      [{ key: { name: "a", type: NUMBER } }, { type: NUMBER, value: 0 }],
      [
        { key: { name: "a", type: NUMBER }, numberValue: "-Infinity" },
        { type: NUMBER, value: -Infinity },
      ],
      [
        { key: { name: "a", type: 3 }, booleanValue: true },
        { type: "METADATA_KEY_TYPE_BOOLEAN", value: true },
      ],
      [
        {
          key: { name: "a", type: STRING, archivedDate: null, isArchived: false },
          stringValue: "",
          archivedDate: null,
          isArchived: false,
        },
        { type: STRING, value: "" },
      ],
    ];
    for (const [entry, typed] of cases) {
      expect(readMetadataEntry(entry), JSON.stringify(entry)).toEqual({ kind: "typed", typed });
    }
  });

  it("never reads a relation, an unknown type or an unknown field as a value", () => {
    const relation = {
      key: { name: "folder", type: "METADATA_KEY_TYPE_RELATION" },
      relationValue: { resourceType: "folder", resourceId: "f-1" },
    };
    expect(readMetadataEntry(relation)).toEqual({ kind: "relation" });
    expect(readMetadataEntry({ ...relation, key: { name: "folder", type: 4 } })).toEqual({
      kind: "relation",
    });
    const unknown: [MetadataValue, string][] = [
      [
        { key: { name: "a", type: "METADATA_KEY_TYPE_DATE" }, stringValue: "x" },
        "its key type is METADATA_KEY_TYPE_DATE",
      ],
      [{ key: { name: "a", type: 9 } }, "its key type is 9"],
      [{ key: { name: "a" }, stringValue: "x" }, "its key type is METADATA_KEY_TYPE_UNSPECIFIED"],
      [
        { key: { name: "a", type: STRING }, fooValue: 1 },
        "it has a field this tool does not know (fooValue)",
      ],
      [
        { key: { name: "a", type: STRING, unit: "m" }, stringValue: "x" },
        "it has a field this tool does not know (key.unit)",
      ],
      [
        { key: { name: "a", type: STRING }, numberValue: 1 },
        `it holds numberValue under a ${STRING} key`,
      ],
      [
        { key: { name: "a", type: NUMBER }, numberValue: "12" },
        `its numberValue "12" is not a ${NUMBER}`,
      ],
      [
        { key: { name: "a", type: STRING }, stringValue: null },
        `its stringValue null is not a ${STRING}`,
      ],
      [
        { key: { name: "a", type: STRING }, stringValue: "x", isArchived: "no" },
        "its isArchived is not a boolean",
      ],
    ];
    for (const [entry, why] of unknown) {
      expect(readMetadataEntry(entry), JSON.stringify(entry)).toEqual({ kind: "unknown", why });
    }
  });

  it("classifies every generated unknown entry as relation or unknown", () => {
    fc.assert(
      fc.property(unknownEntries("k"), (entries) => {
        for (const entry of entries) expect(readMetadataEntry(entry).kind).not.toBe("typed");
      }),
    );
  });
});

describe("the run schema", () => {
  it("keeps every entry as the same object: no field dropped or reordered", () => {
    fc.assert(
      fc.property(unknownEntries("k", 5), (entries) => {
        const answer = JSON.parse(JSON.stringify({ runId: "r", metadata: entries }));
        const run = runSchema.parse(answer);
        expect(run.metadata.map((m) => JSON.stringify(m))).toEqual(
          entries.map((m) => JSON.stringify(m)),
        );
      }),
    );
  });

  it("refuses an entry without key.name", () => {
    expect(runSchema.safeParse({ runId: "r", metadata: [{ stringValue: "x" }] }).success).toBe(
      false,
    );
  });
});

describe("sameMetadataEntry", () => {
  it("compares known values by type and value, others as JSON whatever the field order", () => {
    expect(
      sameMetadataEntry(
        { key: { name: "a", type: NUMBER }, numberValue: 1, archivedDate: null },
        { key: { name: "a", type: 2 }, numberValue: 1.0 },
      ),
    ).toBe(true);
    const relation = {
      key: { name: "f", type: 4 },
      relationValue: { resourceType: "folder", resourceId: "1" },
    };
    expect(
      sameMetadataEntry(relation, {
        relationValue: { resourceId: "1", resourceType: "folder" },
        key: { type: 4, name: "f" },
      }),
    ).toBe(true);
    expect(
      sameMetadataEntry(relation, {
        ...relation,
        relationValue: { resourceType: "folder", resourceId: "2" },
      }),
    ).toBe(false);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});
