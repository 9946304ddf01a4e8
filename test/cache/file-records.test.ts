import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCache } from "../../src/cache/cache-file.js";
import { encodeCache } from "../../src/cache/cache-write.js";
import { IDENTITY } from "../helpers/cache-identity.js";
import {
  decodeLines,
  encodeLines,
  type FileRecord,
  namesDigest,
  RecordedRows,
} from "../../src/cache/file-records.js";
import { SyncCache } from "../../src/cache/sync-cache.js";

const RUN = {
  runId: "0b8f6a34-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
  modifiedDate: "2026-01-02T03:04:05Z",
};

function record(file: string): Omit<FileRecord, "start" | "count"> {
  return {
    file,
    path: `/data/${file}`,
    readKey: "{}",
    size: 10,
    sha256: "00",
    names: "n",
    assets: [],
    metadataKeys: [],
  };
}

/** A cache with `keys` recorded, and `files` (name → its keys, in file order) recorded as files. */
function cacheWith(keys: string[], files: Record<string, string[]>): SyncCache {
  const cache = SyncCache.empty(IDENTITY);
  cache.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1 });
  const at = new Map(keys.map((key, i) => [key, cache.record(key, i + 1, RUN)]));
  cache.recordFiles(
    Object.entries(files).map(([file, ks]) => ({
      record: record(file),
      entries: Uint32Array.from(ks.map((k) => at.get(k)!)),
      lines: Uint32Array.from(ks.map((_, i) => 2 + i * 3)),
    })),
    "env-1",
  );
  return cache;
}

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), "srs-files-")), "runs.srscache");
}

describe("file records in the sync cache", () => {
  it("encodes any lines in ascending order and reads them back", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2 ** 31 }), { maxLength: 200 }), (raw) => {
        const lines = Uint32Array.from([...new Set(raw)].sort((a, b) => a - b));
        const bytes = encodeLines(lines);
        const read = decodeLines(bytes, 0, lines.length);
        expect([...read.lines]).toEqual([...lines]);
        expect(read.end).toBe(bytes.length);
      }),
    );
    expect([...encodeLines([2, 3, 4, 5])]).toEqual([2, 1, 1, 1]); // a byte a row
  });

  it("lays each file's entries together in file order, and reads the records back", () => {
    const path = tempFile();
    // Recorded out of file order (an apply's results come as they finish).
    cacheWith(["x", "b2", "a1", "b1", "a2"], { "a.csv": ["a1", "a2"], "b.csv": ["b1", "b2"] }).save(
      path,
    );
    const data = decodeCache(readFileSync(path));
    expect(data.meta.readEnv).toBe("env-1");
    expect(data.meta.files!.map((f) => [f.file, f.start, f.count])).toEqual([
      ["a.csv", 0, 2],
      ["b.csv", 2, 2],
    ]);
    const keys = Array.from({ length: data.columns.count }, (_, i) => data.columns.keys.keyAt(i));
    expect(keys).toEqual(["a1", "a2", "b1", "b2", "x"]);
    expect(data.fileLines!.map((l) => [...l])).toEqual([
      [2, 5],
      [2, 5],
    ]);
    // Hashes travel with their entries.
    expect(data.columns.rowHash[0]).toBe(3);
    expect(data.columns.rowHash[4]).toBe(1);
  });

  it("sorts a file's rows by line, and records no file two rows of which claim one line", () => {
    const rows = new RecordedRows();
    rows.add(7, 30);
    rows.add(5, 10);
    rows.add(6, 20);
    expect(rows.sorted()).toEqual({
      entries: Uint32Array.from([5, 6, 7]),
      lines: Uint32Array.from([10, 20, 30]),
    });
    rows.add(8, 20);
    expect(rows.sorted()).toBeUndefined();
  });

  it("sorts rows recorded in any order, nearly in file order or not, as a sort by line would", () => {
    // Each row: its line, and how far late its result came (most on time, as an apply's).
    const rowsArb = fc.uniqueArray(
      fc.record({
        line: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
        late: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 })),
      }),
      { selector: (r) => r.line, maxLength: 300 },
    );
    fc.assert(
      fc.property(rowsArb, fc.boolean(), (rows, shuffled) => {
        const byLine = [...rows].sort((a, b) => a.line - b.line);
        const order = shuffled
          ? byLine.map((r, i) => ({ ...r, at: (r.line * 2654435761) % 1000, i }))
          : byLine.map((r, i) => ({ ...r, at: i + r.late, i }));
        order.sort((a, b) => a.at - b.at || a.i - b.i);
        const recorded = new RecordedRows();
        for (const r of order) recorded.add(r.i * 7, r.line);
        const sorted = recorded.sorted()!;
        expect([...sorted.lines]).toEqual(byLine.map((r) => r.line));
        expect([...sorted.entries]).toEqual(byLine.map((_, i) => i * 7));
      }),
    );
  });

  it("sorts a million rows whose results came a little late in place, without copies", () => {
    const rows = new RecordedRows();
    for (let i = 0; i < 1_000_000; i++) {
      if (i % 1000 !== 0) rows.add(i * 3, i + 2);
      if (i % 1000 === 999) rows.add((i - 999) * 3, i - 999 + 2); // written, so reported later
    }
    const before = process.memoryUsage().arrayBuffers;
    const sorted = rows.sorted()!;
    // Copies and an order were 12 MB (and more of heap), at the save, when a sync's memory peaks.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1_000_000);
    expect(sorted.lines.length).toBe(1_000_000);
    for (let i = 0; i < 1_000_000; i++) {
      if (sorted.lines[i] !== i + 2 || sorted.entries[i] !== i * 3)
        expect([i, sorted.lines[i], sorted.entries[i]]).toEqual([i, i + 2, i * 3]);
    }
  });

  it("rows recorded in file order are returned as they lie, without a copy", () => {
    const rows = new RecordedRows();
    for (let i = 0; i < 1_000_000; i++) rows.add(i * 3, i + 2);
    const before = process.memoryUsage().arrayBuffers;
    const sorted = rows.sorted()!;
    // Copies would be 8 MB (and 4 MB for the order), at the save, when a sync's memory peaks.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1_000_000);
    expect(sorted.entries.length).toBe(1_000_000);
    expect([sorted.entries[0], sorted.entries[999_999], sorted.lines[999_999]]).toEqual([
      0, 2_999_997, 1_000_001,
    ]);
  });

  it("keeps a file read while its entries live; drops it once one is gone, or another sync merged in", () => {
    const path = tempFile();
    cacheWith(["a1", "a2", "b1"], { "a.csv": ["a1", "a2"], "b.csv": ["b1"] }).save(path);
    const next = SyncCache.load(path, IDENTITY).cache;
    next.beginEpoch({ highWaterMark: "2026-01-03T00:00:00Z", refreshedAt: 2 });
    next.drop("a2");
    next.recordFiles([], "env-1");
    next.save(path);
    expect(decodeCache(readFileSync(path)).meta.files!.map((f) => f.file)).toEqual(["b.csv"]);

    // Another sync wrote the file meanwhile: its entries may stand for other rows.
    const mine = SyncCache.load(path, IDENTITY).cache;
    const other = SyncCache.load(path, IDENTITY).cache;
    other.beginEpoch({ highWaterMark: "2026-01-04T00:00:00Z", refreshedAt: 3 });
    other.record("c1", 9, RUN);
    other.recordFiles([], "env-1");
    other.save(path);
    mine.beginEpoch({ highWaterMark: "2026-01-04T00:00:00Z", refreshedAt: 3 });
    mine.recordFiles([], "env-1");
    mine.save(path);
    const merged = decodeCache(readFileSync(path));
    expect(merged.meta.files ?? []).toEqual([]);
    expect(merged.columns.count).toBe(3); // a1, b1, and c1 from the other sync

    // Records of another Node.js or tool (readEnv) are not carried on.
    cacheWith(["a1"], { "a.csv": ["a1"] }).save(path);
    const later = SyncCache.load(path, IDENTITY).cache;
    later.beginEpoch({ highWaterMark: "2026-01-05T00:00:00Z", refreshedAt: 4 });
    later.recordFiles([], "env-2");
    later.save(path);
    expect(decodeCache(readFileSync(path)).meta.files ?? []).toEqual([]);
  });

  it("ignores records whose lines do not add up, and keeps the entries", () => {
    const path = tempFile();
    cacheWith(["a1", "a2"], { "a.csv": ["a1", "a2"] }).save(path);
    const data = decodeCache(readFileSync(path));
    data.meta.files![0]!.count = 3; // more rows than lines (and than entries)
    writeFileSync(path, encodeCache(data));
    const read = decodeCache(readFileSync(path));
    expect(read.meta.files).toEqual([]);
    expect(read.columns.count).toBe(2);
  });

  it("digests what a file's names resolve to", () => {
    const names = { assets: ["pump", "stand"], metadataKeys: ["lot"] };
    const resolved = {
      assetIds: new Map([
        ["pump", "id-1"],
        ["stand", "id-2"],
      ]),
      keyTypes: new Map([["lot", "string"]]),
    };
    const digest = namesDigest(names, resolved);
    expect(namesDigest({ assets: ["stand", "pump"], metadataKeys: ["lot"] }, resolved)).toBe(
      digest,
    );
    resolved.assetIds.set("pump", "id-3");
    expect(namesDigest(names, resolved)).not.toBe(digest);
    resolved.assetIds.set("pump", "id-1");
    resolved.keyTypes.set("lot", "number");
    expect(namesDigest(names, resolved)).not.toBe(digest);
  });
});
