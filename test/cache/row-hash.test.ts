import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashRow, type ResolvedNames, seedOf } from "../../src/cache/row-hash.js";
import type { MetadataSpec, RunSpec } from "../../src/manifest/index.js";
import { ts } from "../plan/builders.js";

const NAMES: ResolvedNames = {
  assetIds: new Map([
    ["stand-a", "asset-1"],
    ["stand-b", "asset-2"],
  ]),
  keyTypes: new Map([
    ["campaign", "METADATA_KEY_TYPE_STRING"],
    ["altitude", "METADATA_KEY_TYPE_NUMBER"],
  ]),
};
const SEED = seedOf({ metadata: "merge" });

function spec(fields: Partial<RunSpec> = {}): RunSpec {
  return { source: { file: "runs.csv", line: 2 }, clientKey: "k-1", name: "run", ...fields };
}
const hash = (s: RunSpec, names = NAMES, seed = SEED) => hashRow(s, names, seed);
const withValue = (value: MetadataSpec["value"], type?: MetadataSpec["type"]) =>
  spec({ metadata: { altitude: type === undefined ? { value } : { value, type } } });

describe("hashRow", () => {
  it("is 53 bits, the same for the same row, and ignores the clientKey and the source", () => {
    const h = hash(spec());
    expect(Number.isSafeInteger(h)).toBe(true);
    expect(h).toBe(hash(spec({ clientKey: "k-2", source: { file: "other.csv", line: 9 } })));
    expect(h).not.toBe(hash(spec(), NAMES, seedOf({ metadata: "replace" })));
  });

  it("tells an absent field from an empty one, and every field from the next", () => {
    const hashes = [
      spec(),
      spec({ description: "" }),
      spec({ description: "x" }),
      spec({ name: "ru", description: "n" }),
      spec({ tags: [] }),
      spec({ tags: [""] }),
      spec({ assets: [] }),
      spec({ isPinned: false }),
      spec({ isPinned: true }),
      spec({ isArchived: true }),
      spec({ metadata: {} }),
      spec({ startTime: ts("2024-01-01T00:00:00Z") }),
      spec({ stopTime: ts("2024-01-01T00:00:00Z") }),
    ].map((s) => hash(s));
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it("tells metadata values apart by value, by type and from their text", () => {
    const hashes = [
      withValue(1.5),
      withValue(2),
      withValue(-0),
      withValue(1e300),
      withValue("1.5"),
      withValue(true),
      withValue(false),
      withValue("true"),
      withValue(1.5, "number"),
      withValue("1.5", "string"),
      spec({ metadata: { altitude: { value: 1.5, text: "1.50" } } }),
    ].map((s) => hash(s));
    expect(new Set(hashes).size).toBe(hashes.length);
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        fc.pre(!Object.is(a, b));
        expect(hash(withValue(a))).not.toBe(hash(withValue(b)));
      }),
    );
  });

  it("depends on what the names resolve to: asset ids and key types", () => {
    const row = spec({ assets: ["stand-a"], metadata: { campaign: { value: "c" } } });
    const other: ResolvedNames = {
      assetIds: new Map([["stand-a", "asset-9"]]),
      keyTypes: NAMES.keyTypes,
    };
    const retyped: ResolvedNames = {
      assetIds: NAMES.assetIds,
      keyTypes: new Map([["campaign", "METADATA_KEY_TYPE_NUMBER"]]),
    };
    expect(hash(row, other)).not.toBe(hash(row));
    expect(hash(row, retyped)).not.toBe(hash(row));
  });

  it("is undefined for a row whose asset or metadata key Sift does not have", () => {
    expect(hash(spec({ assets: ["stand-a", "rig-7"] }))).toBeUndefined();
    expect(
      hash(spec({ metadata: { campaign: { value: "c" }, owner: { value: "o" } } })),
    ).toBeUndefined();
  });
});
