import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyTable } from "../../src/cache/key-table.js";

/** A table of `keys` as the cache file lays them out: their bytes end to end, and lengths. */
function tableOf(keys: readonly string[]): KeyTable {
  const bytes = keys.map((key) => Buffer.from(key, "utf8"));
  return KeyTable.of(
    Buffer.concat(bytes),
    Uint16Array.from(bytes.map((b) => b.length)),
    keys.length,
  );
}

describe("the cache's key table", () => {
  it("finds every key it holds, at its index, and no other, however it was filled", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: "grapheme", maxLength: 12 }), { maxLength: 300 }),
        fc.array(fc.string({ unit: "grapheme", maxLength: 12 }), { maxLength: 20 }),
        (keys, others) => {
          const grown = new KeyTable(1, 1); // grows from almost nothing
          for (const key of keys) grown.add(key);
          const read = tableOf(keys);
          for (const table of [grown, read]) {
            expect(table.count).toBe(keys.length);
            keys.forEach((key, i) => {
              expect(table.find(key)).toBe(i);
              expect(table.keyAt(i)).toBe(key);
            });
            for (const other of others)
              if (!keys.includes(other)) expect(table.find(other)).toBe(-1);
          }
          const copy = new KeyTable();
          for (let i = keys.length - 1; i >= 0; i--) copy.addFrom(read, i);
          keys.forEach((key, i) => {
            expect(copy.findIn(read, i)).toBe(keys.length - 1 - i);
            expect(copy.find(key)).toBe(keys.length - 1 - i);
          });
          expect(read.allBytes.equals(Buffer.from(keys.join(""), "utf8"))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("tells apart keys that differ only past ASCII, or in length", () => {
    const table = new KeyTable();
    for (const key of ["tv-é", "tv-e", "tv-e\u0301", "tv-", "tv-ee", "日本-1"]) table.add(key);
    expect(table.find("tv-é")).toBe(0);
    expect(table.find("tv-e\u0301")).toBe(2);
    expect(table.find("tv-ee")).toBe(4);
    expect(table.find("日本-1")).toBe(5);
    expect(table.find("日本-2")).toBe(-1);
    expect(table.find("tv-ë")).toBe(-1);
  });

  it("refuses lengths that do not add up to the bytes (a damaged file)", () => {
    expect(() => KeyTable.of(Buffer.from("abc"), Uint16Array.from([1, 1]), 2)).toThrow(RangeError);
  });
});
