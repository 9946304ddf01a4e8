import { describe, expect, it } from "vitest";
import { KeyTable } from "../../src/cache/key-table.js";
import { LineCursor, LineIndex } from "../../src/cache/line-match.js";

/** Entries 0..n-1 whose line hashes are 100 + i, in one record from 0 (or the starts given). */
function index(n: number, starts = [0], refused: number[] = []) {
  const hashes = Float64Array.from({ length: n }, (_, i) => 100 + i);
  const keys = new KeyTable(n);
  for (let i = 0; i < n; i++) keys.add(`k-${i}`);
  const matchable = new Uint8Array(n).fill(1);
  const lines = new LineIndex(hashes, keys, matchable, starts);
  const now = matchable.slice();
  for (const e of refused) now[e] = 0;
  return { lines, allowed: now };
}

describe("matching a file's lines with the cache's rows", () => {
  it("follows the rows in order, past an edited, an added and a removed row", () => {
    const { lines, allowed } = index(20);
    const cursor = new LineCursor(lines, allowed, 0);
    const got = [100, 101, 999, 103, 555, 104, 106, 107].map((h) => cursor.match(h));
    expect(got).toEqual([0, 1, -1, 3, -1, 4, 6, 7]);
    expect(cursor.matched).toBe(6);
    expect(cursor.keyAt(6)).toBe("k-6");
  });

  it("finds a renamed file's rows at a record's head, an edited first row parsed", () => {
    const { lines, allowed } = index(20, [0, 10]);
    const cursor = new LineCursor(lines, allowed);
    expect([777, 111, 112, 113].map((h) => cursor.match(h))).toEqual([-1, 11, 12, 13]);
  });

  it("parses a few rows moved far, and looks every line up once a file is out of order", () => {
    const { lines, allowed } = index(40);
    const inOrder = new LineCursor(lines, allowed, 0);
    // One row moved far ahead: parsed, and the rows after it still follow.
    expect([100, 130, 101, 102].map((h) => inOrder.match(h))).toEqual([0, -1, 1, 2]);
    const reversed = new LineCursor(lines, allowed, 0);
    const got = Array.from({ length: 20 }, (_, i) => reversed.match(139 - i));
    // Eight lines found nowhere near are parsed, then the index answers each.
    expect(got.slice(0, 8)).toEqual(Array(8).fill(-1));
    expect(got.slice(8)).toEqual(Array.from({ length: 12 }, (_, i) => 31 - i));
  });

  it("parses the line of a refused entry (Sift changed its run), and goes on after it", () => {
    const { lines, allowed } = index(10, [0], [2]);
    const cursor = new LineCursor(lines, allowed, 0);
    expect([100, 101, 102, 103].map((h) => cursor.match(h))).toEqual([0, 1, -1, 3]);
    expect(cursor.matched).toBe(3);
  });
});
