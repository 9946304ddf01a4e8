import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyTable } from "../../src/cache/key-table.js";
import { ClientKeyRegistry } from "../../src/manifest/client-keys.js";

describe("the clientKey registry", () => {
  it("read again (the passes after validation), knows each row by its place, and a duplicate still", () => {
    const keys = new ClientKeyRegistry();
    const at = (file: string, line: number) => ({ file, line });
    expect(keys.add("tv-1", at("a.csv", 2))).toBeUndefined();
    expect(keys.add("tv-1", at("b.csv", 5))).toBe('"tv-1" is also defined at a.csv:2');
    keys.startRereading();
    expect(keys.add("tv-1", at("a.csv", 2))).toBeUndefined(); // the same row
    expect(keys.add("tv-1", at("b.csv", 5))).toBe('"tv-1" is also defined at a.csv:2');
    expect(keys.add("tv-1", at("a.csv", 3))).toBe('"tv-1" is also defined at a.csv:2');
    expect(keys.add("tv-2", at("b.csv", 6))).toBeUndefined(); // new since
    expect(keys.add("tv-2", at("b.csv", 7))).toBe('"tv-2" is also defined at b.csv:6');
    // The validating pass met a duplicate: a later pass must meet it again at its place.
    expect(keys.rereadsWithoutDuplicates).toBe(false);
  });

  it("tells a later pass when the validating one met no duplicate (a skipped file's runs need no check)", () => {
    const keys = new ClientKeyRegistry();
    expect(keys.add("tv-1", { file: "a.csv", line: 2 })).toBeUndefined();
    expect(keys.rereadsWithoutDuplicates).toBe(false); // validating
    keys.startRereading();
    expect(keys.add("tv-1", { file: "a.csv", line: 9 })).toBe('"tv-1" is also defined at a.csv:2');
    // A duplicate a later pass meets (a file edited since) does not change it: add still finds it.
    expect(keys.rereadsWithoutDuplicates).toBe(true);
  });

  it("keeps every key as the tables grow: the 1,025th and 2,049th keys' duplicates are found, and each key is listed at its place", () => {
    // A bug: the entry at each old capacity (1,024, 2,048, ...) was written past the arrays'
    // end before they grew, so its duplicates went unnoticed and it read back as "" at line 0.
    const keys = new ClientKeyRegistry();
    for (let i = 0; i < 5000; i++) keys.add(`k-${i}`, { file: "a.csv", line: i + 2 });
    for (const i of [1024, 2048, 4096, 0, 4999]) {
      expect(keys.add(`k-${i}`, { file: "b.csv", line: 1 })).toBe(
        `"k-${i}" is also defined at a.csv:${i + 2}`,
      );
      expect(keys.isRecordedAt(`k-${i}`, { file: "a.csv", line: i + 2 })).toBe(true);
      expect(keys.isRecordedAt(`k-${i}`, { file: "b.csv", line: 1 })).toBe(false);
    }
    expect(keys.isRecordedAt("k-5000", { file: "a.csv", line: 5002 })).toBe(false);
    const listed = [...keys.recorded()];
    expect(listed).toHaveLength(5000);
    listed.forEach((row, i) =>
      expect(row).toEqual({ clientKey: `k-${i}`, file: "a.csv", line: i + 2 }),
    );
  });

  it("lists a non-ASCII key as it was given", () => {
    const keys = new ClientKeyRegistry();
    keys.add("prüfung-1", { file: "a.csv", line: 2 });
    expect([...keys.recorded()]).toEqual([{ clientKey: "prüfung-1", file: "a.csv", line: 2 }]);
    expect(keys.isRecordedAt("prüfung-1", { file: "a.csv", line: 2 })).toBe(true);
  });

  it("names the first place of a duplicate, across files", () => {
    const keys = new ClientKeyRegistry();
    expect(keys.add("tv-001", { file: "a.csv", line: 3 })).toBeUndefined();
    expect(keys.add("tv-002", { file: "b.yaml", line: 2 })).toBeUndefined();
    expect(keys.add("tv-001", { file: "b.yaml", line: 7 })).toBe(
      '"tv-001" is also defined at a.csv:3',
    );
    expect(keys.add("tv-002", { file: "c.json", line: 9 })).toBe(
      '"tv-002" is also defined at b.yaml:2',
    );
    expect(keys.size).toBe(2);
  });

  it("finds exactly the duplicates a Map finds, through growth, for any text", () => {
    const key = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 6 }),
      fc.integer({ min: 0, max: 3000 }).map((n) => `tv-${n}`),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 5000 }), (list) => {
        const keys = new ClientKeyRegistry();
        const seen = new Map<string, number>();
        list.forEach((k, i) => {
          const message = keys.add(k, { file: "f.csv", line: i + 1 });
          const first = seen.get(k);
          if (first === undefined) {
            expect(message).toBeUndefined();
            seen.set(k, i + 1);
          } else {
            expect(message).toMatch(new RegExp(`is also defined at f\\.csv:${first}$`));
          }
        });
        expect(keys.size).toBe(seen.size);
      }),
      { numRuns: 40 },
    );
  });

  it("names each key's own file and line, through files read in turn and back, growth and rereading", () => {
    // Files as runs of rows, a file read again later (a.csv, b.csv, a.csv ...): the registry
    // keeps files per run of entries, and tags its slots with bits of the hash.
    const row = fc.record({
      key: fc.integer({ min: 0, max: 2500 }).map((n) => `tv-${n}`),
      file: fc.constantFrom("a.csv", "b.csv", "c.csv"),
      run: fc.integer({ min: 1, max: 400 }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (runs) => {
        const keys = new ClientKeyRegistry();
        const first = new Map<string, { file: string; line: number }>();
        const rows: { key: string; file: string; line: number }[] = [];
        let line = 1;
        for (const { key, file, run } of runs) {
          for (let i = 0; i < run; i++) rows.push({ key: `${key}-${i}`, file, line: line++ });
        }
        for (const { key, file, line } of rows) {
          const message = keys.add(key, { file, line });
          const earlier = first.get(key);
          if (earlier === undefined) {
            expect(message).toBeUndefined();
            first.set(key, { file, line });
          } else {
            expect(message).toBe(`"${key}" is also defined at ${earlier.file}:${earlier.line}`);
          }
        }
        expect([...keys.recorded()]).toEqual(
          [...first].map(([clientKey, place]) => ({ clientKey, ...place })),
        );
        keys.startRereading();
        for (const [key, place] of first) {
          expect(keys.isRecordedAt(key, place)).toBe(true);
          expect(keys.add(key, place)).toBeUndefined();
          expect(keys.isRecordedAt(key, { ...place, line: place.line + 1 })).toBe(false);
          expect(keys.add(key, { file: "d.csv", line: place.line })).toBe(
            `"${key}" is also defined at ${place.file}:${place.line}`,
          );
        }
      }),
      { numRuns: 30 },
    );
  });

  it.each(["known", "shared"] as const)(
    "answers the same with the sync cache's keys %s (kept by index) as without, through growth and rereading",
    (mode) => {
      // Some keys are the cache's (known), some not; keys join the cache's table after the
      // registry was made (a sync recording new rows): those count as not known.
      const row = fc.record({
        key: fc.integer({ min: 0, max: 3000 }).map((n) => (n % 7 === 0 ? `été-${n}` : `tv-${n}`)),
        file: fc.constantFrom("a.csv", "b.csv"),
        original: fc.option(fc.constantFrom("tv 1", "tv #1"), { nil: undefined }),
      });
      fc.assert(
        fc.property(
          fc.array(row, { minLength: 1, maxLength: 2500 }),
          fc.integer({ min: 0, max: 3 }),
          (rows, every) => {
            const table = new KeyTable();
            for (let n = 0; n <= 3000; n += every + 1)
              table.add(n % 7 === 0 ? `été-${n}` : `tv-${n}`);
            // Shared: the registry adds every key it meets to the table (a first night's cache).
            const known = new ClientKeyRegistry(
              mode === "known" ? { known: table } : { shared: table },
            );
            const plain = new ClientKeyRegistry();
            table.add("tv-later"); // past the registry's known keys
            const places = rows.map(({ key, file, original }, i) => ({
              key: i % 97 === 0 ? "tv-later" : key,
              place: { file, line: i + 2 },
              original,
            }));
            for (const { key, place, original } of places) {
              expect(known.add(key, place, original)).toBe(plain.add(key, place, original));
            }
            expect([...known.recorded()]).toEqual([...plain.recorded()]);
            expect(known.size).toBe(plain.size);
            known.startRereading();
            plain.startRereading();
            for (const { key, place } of places) {
              expect(known.isRecordedAt(key, place)).toBe(plain.isRecordedAt(key, place));
              expect(known.add(key, place)).toBe(plain.add(key, place));
              const moved = { file: "c.csv", line: place.line };
              expect(known.add(key, moved)).toBe(plain.add(key, moved));
            }
            for (const line of [1, 2]) {
              const place = { file: "c.csv", line };
              expect(known.add("tv-new", place)).toBe(plain.add("tv-new", place));
            }
            expect([...known.recorded()]).toEqual([...plain.recorded()]);
          },
        ),
        { numRuns: 25 },
      );
    },
  );

  it("tells apart keys whose bytes differ only slightly", () => {
    const keys = new ClientKeyRegistry();
    for (const k of ["é", "e\u0301", "E", "e", "", " e", "e ", "😀", "\u{1F600}x"]) {
      expect(keys.add(k, { file: "f.csv", line: 1 })).toBeUndefined();
    }
  });

  it("names both rows' original texts when sanitized keys collide, through growth", () => {
    const keys = new ClientKeyRegistry();
    for (let i = 0; i < 3000; i++) keys.add(`plain-${i}`, { file: "a.csv", line: i + 2 });
    expect(keys.add("Hot-fire-1", { file: "b.csv", line: 2 }, "Hot fire #1")).toBeUndefined();
    for (let i = 0; i < 3000; i++)
      keys.add(`more-${i}`, { file: "b.csv", line: i + 3 }, `more ${i}`);
    expect(keys.add("Hot-fire-1", { file: "b.csv", line: 9000 }, "Hot fire 1 ")).toBe(
      '"Hot-fire-1" (sanitized from "Hot fire 1 ") is also defined at b.csv:2 (sanitized from "Hot fire #1")',
    );
    expect(keys.add("more-7", { file: "c.csv", line: 4 })).toBe(
      '"more-7" (as it is) is also defined at b.csv:10 (sanitized from "more 7")',
    );
    expect(keys.add("plain-5", { file: "c.csv", line: 5 }, "plain 5")).toBe(
      '"plain-5" (sanitized from "plain 5") is also defined at a.csv:7 (as it is)',
    );
    expect(keys.add("plain-6", { file: "c.csv", line: 6 })).toBe(
      '"plain-6" is also defined at a.csv:8',
    );
  });
});
