import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheFileError, decodeCache } from "../../src/cache/cache-file.js";
import { cacheFileParts, encodeCache } from "../../src/cache/cache-write.js";
import { selectEntries } from "../../src/cache/cache-columns.js";
import {
  packRunId,
  packTimestamp,
  timestampMinus,
  unpackRunId,
  unpackTimestamp,
} from "../../src/cache/entry-codec.js";
import { hashRow } from "../../src/cache/row-hash.js";
import { IDENTITY } from "../helpers/cache-identity.js";
import { SyncCache } from "../../src/cache/sync-cache.js";
import { KeyTable } from "../../src/cache/key-table.js";
import { ClientKeyRegistry } from "../../src/manifest/client-keys.js";
import type { RunSpec } from "../../src/manifest/spec.js";

const RUN_A = {
  runId: "0b8f6a34-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
  modifiedDate: "2026-01-02T03:04:05.123456789Z",
};
const RUN_B = {
  runId: "11111111-2222-4333-8444-555555555555",
  modifiedDate: "2026-01-02T03:04:06Z",
};

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), "srs-cache-")), "runs.srscache");
}

type Run = typeof RUN_A;

/** A cache file holding these entries (clientKey, row hash, run), written in one epoch. */
function savedCache(
  entries: [string, number, Run][],
  highWaterMark = "2026-01-02T00:00:00Z",
  refreshedAt = 1000,
): string {
  const path = tempFile();
  const cache = SyncCache.empty(IDENTITY);
  cache.beginEpoch({ highWaterMark, refreshedAt });
  for (const [key, hash, run] of entries) cache.record(key, hash, run);
  cache.save(path);
  return path;
}

describe("a new cache made with the duplicate check's keys (held once)", () => {
  it("has an entry for each key, alive only once recorded; keys added meanwhile are entries too", () => {
    const keys = new KeyTable();
    const registry = new ClientKeyRegistry({ shared: keys });
    for (const [i, key] of ["tv-1", "tv-2", "tv-é"].entries())
      expect(registry.add(key, { file: "a.csv", line: i + 2 })).toBeUndefined();
    const cache = SyncCache.empty(IDENTITY, 2, keys);
    cache.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1000 });
    expect(cache.size).toBe(0); // no key is in sync before it is recorded
    expect(cache.inSync("tv-1", 42)).toBeUndefined();
    cache.record("tv-é", 7, RUN_B);
    // The check meets more keys after the cache was made (a row changed between passes)...
    expect(registry.add("tv-3", { file: "a.csv", line: 9 })).toBeUndefined();
    expect(registry.add("tv-3", { file: "b.csv", line: 2 })).toBe(
      '"tv-3" is also defined at a.csv:9',
    );
    cache.record("tv-3", 9, RUN_A);
    cache.record("tv-new", 5, RUN_A); // a key the cache adds itself
    expect(registry.add("tv-new", { file: "b.csv", line: 3 })).toBeUndefined();
    expect(registry.add("tv-4", { file: "b.csv", line: 4 })).toBeUndefined(); // never recorded
    expect(cache.size).toBe(3);
    const path = tempFile();
    cache.save(path);
    const { cache: back, distrust } = SyncCache.load(path, IDENTITY);
    expect(distrust).toBeUndefined();
    expect([
      back.size,
      back.inSync("tv-é", 7),
      back.inSync("tv-3", 9),
      back.inSync("tv-new", 5),
    ]).toEqual([3, RUN_B, RUN_A, RUN_A]);
    for (const key of ["tv-1", "tv-2", "tv-4"]) expect(back.get(key)).toBeUndefined();
  });
});

describe("the cache file", () => {
  it("reads back what it wrote: entries, epochs, identity", () => {
    const path = savedCache([
      ["tv-001", 42, RUN_A],
      ["tv-é", 7, RUN_B],
    ]);
    const { cache: back, distrust } = SyncCache.load(path, IDENTITY);
    expect(distrust).toBeUndefined();
    expect(back.inSync("tv-001", 42)).toEqual(RUN_A);
    expect(back.inSync("tv-é", 7)).toEqual(RUN_B);
    expect(back.inSync("tv-001", 43)).toBeUndefined(); // another row hash: not this row
    expect(back.lowWaterMark(() => true)).toEqual({
      highWaterMark: "2026-01-02T00:00:00Z",
      refreshedAt: 1000,
    });
  });

  it("keeps a row inSync answered in the current epoch without its hash, and only such a row", () => {
    const path = savedCache(
      [
        ["tv-001", 42, RUN_A],
        ["tv-002", 7, RUN_B],
      ],
      "2026-01-01T00:00:00Z",
    );
    const { cache: next } = SyncCache.load(path, IDENTITY);
    next.beginEpoch({ highWaterMark: "2026-01-03T00:00:00Z", refreshedAt: 2000 });
    expect(next.keepAnswered("tv-001")).toBe(-1); // not asked yet
    expect(next.inSync("tv-001", 42)).toEqual(RUN_A);
    expect(next.keepAnswered("tv-001")).toBeGreaterThanOrEqual(0);
    expect(next.inSync("tv-002", 8)).toBeUndefined(); // the row changed: its last answer is no
    expect(next.keepAnswered("tv-002")).toBe(-1);
    expect(next.keepAnswered("tv-003")).toBe(-1);
    // entryInSync answers as inSync does, with the entry and without the run's texts, and is remembered the same way
    expect(next.entryInSync("tv-001", 43)).toBe(-1);
    expect(next.keepAnswered("tv-001")).toBe(-1);
    expect(next.entryInSync("tv-001", 42)).toBeGreaterThanOrEqual(0);
    expect(next.keepAnswered("tv-001")).toBeGreaterThanOrEqual(0);
    next.save(path);
    const { cache: back } = SyncCache.load(path, IDENTITY);
    expect(back.inSync("tv-001", 42)).toEqual(RUN_A);
    // tv-001 moved to the new epoch (its changes in Sift are listed from its mark); tv-002,
    // not handled, keeps the old one.
    expect(back.lowWaterMark((key) => key === "tv-001")?.highWaterMark).toBe(
      "2026-01-03T00:00:00Z",
    );
    expect(back.lowWaterMark((key) => key === "tv-002")?.highWaterMark).toBe(
      "2026-01-01T00:00:00Z",
    );
  });

  it("is refused when damaged, cut short, or written for another version, API, organization or options", () => {
    const path = savedCache([["tv-001", 42, RUN_A]]);
    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40] = flipped[flipped.length - 40]! ^ 1;
    expect(() => decodeCache(flipped)).toThrow(/checksum/);
    expect(() => decodeCache(good.subarray(0, 30))).toThrow(CacheFileError);
    expect(() =>
      decodeCache(Buffer.from("not a cache at all, but long enough to be read")),
    ).toThrow(/not a sync cache/);
    writeFileSync(path, flipped);
    expect(SyncCache.load(path, IDENTITY).distrust).toMatchObject({ alarming: true });
    writeFileSync(path, good);
    for (const [field, reason] of [
      ["toolVersion", /written by sift-run-sync 1\.0\.0, this is 2/],
      ["apiUrl", /another API/],
      ["organizationId", /another organization/],
      ["fingerprint", /oldest run/],
      ["optionHash", /other diff options/],
    ] as const) {
      const other = { ...IDENTITY, [field]: "2" };
      const loaded = SyncCache.load(path, other);
      expect(loaded.distrust).toMatchObject({ message: expect.stringMatching(reason) });
      expect(loaded.cache.inSync("tv-001", 42)).toBeUndefined();
    }
  });

  it("from an older format is a routine full refresh, not an alarm", () => {
    const path = savedCache([["tv-001", 42, RUN_A]]);
    const old = Buffer.from(readFileSync(path));
    old.writeUInt32LE(1, 8); // format 1: one record after another
    createHash("sha256")
      .update(old.subarray(0, old.length - 32))
      .digest()
      .copy(old, old.length - 32);
    writeFileSync(path, old);
    expect(SyncCache.load(path, IDENTITY).distrust).toEqual({
      message: "it has format 1, this version reads 4",
      alarming: false,
    });
  });

  it("forgets the rows gone from the manifests, though the file it read still holds them", () => {
    const path = savedCache(
      [
        ["kept", 1, RUN_A],
        ["gone", 2, RUN_B],
      ],
      "2026-01-01T00:00:00Z",
      1,
    );
    const next = SyncCache.load(path, IDENTITY).cache;
    next.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1 });
    expect(next.inSync("kept", 1)).toEqual(RUN_A);
    expect(next.keepAnswered("kept")).toBeGreaterThanOrEqual(0);
    next.dropUntouched(() => true);
    next.save(path);
    const back = SyncCache.load(path, IDENTITY).cache;
    expect(back.inSync("kept", 1)).toEqual(RUN_A);
    expect(back.get("gone")).toBeUndefined();
    expect(back.size).toBe(1);
  });

  it("costs 43 bytes per entry plus its clientKey (its length a byte, up to 255 bytes)", () => {
    const cache = SyncCache.empty(IDENTITY);
    cache.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1000 });
    for (let i = 0; i < 1000; i++)
      cache.record(`tv-${String(i).padStart(7, "0")}`, i, RUN_A, i + 1);
    const path = tempFile();
    cache.save(path);
    const perRun = readFileSync(path).length / 1000;
    expect(perRun).toBeGreaterThanOrEqual(43 + 10);
    expect(perRun).toBeLessThan(43 + 10 + 1);
  });

  it("keeps each entry's name set (a byte each up to 255 sets, else two), renumbered to those in use", () => {
    const cache = SyncCache.empty(IDENTITY);
    cache.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1000 });
    const setOf = (i: number) => ({
      set: { assets: [`asset-${i}`], metadataKeys: ["k"] },
      digest: () => `digest-${i}`,
    });
    for (let i = 0; i < 300; i++) cache.record(`n-${i}`, i, RUN_A, 0, setOf(i));
    cache.record("n-again", 7, RUN_A, 0, setOf(5));
    cache.record("n-none", 8, RUN_A);
    cache.drop("n-0");
    const path = tempFile();
    cache.save(path);
    const { meta, columns } = decodeCache(readFileSync(path));
    expect(meta.nameSets).toHaveLength(299);
    const setAt = (key: string) => {
      const i = columns.keys.find(key);
      return columns.names[i] === 0 ? undefined : meta.nameSets![columns.names[i]! - 1];
    };
    expect(setAt("n-299")).toEqual({
      assets: ["asset-299"],
      metadataKeys: ["k"],
      names: "digest-299",
    });
    expect(setAt("n-again")).toBe(setAt("n-5"));
    expect(setAt("n-none")).toBeUndefined();
    // Loaded and saved again, each entry keeps its set.
    const again = tempFile();
    SyncCache.load(path, IDENTITY).cache.save(again);
    const reread = decodeCache(readFileSync(again));
    const i = reread.columns.keys.find("n-17");
    expect(reread.meta.nameSets![reread.columns.names[i]! - 1]!.assets).toEqual(["asset-17"]);
  });

  it("keeps keys longer than 255 bytes, their lengths in two bytes, and each entry's line hash", () => {
    const cache = SyncCache.empty(IDENTITY);
    cache.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1000 });
    const long = (i: number) => `${"k".repeat(300)}-${i}`;
    for (let i = 0; i < 10; i++) cache.record(long(i), i, RUN_A, 1000 + i);
    cache.record("short", 99, RUN_A);
    const path = tempFile();
    cache.save(path);
    const { columns } = decodeCache(readFileSync(path));
    expect(columns.keys.keyAt(3)).toBe(long(3));
    expect(columns.keys.keyAt(10)).toBe("short");
    expect([...columns.lineHash]).toEqual([...Array.from({ length: 10 }, (_, i) => 1000 + i), 0]);
    const back = SyncCache.load(path, IDENTITY).cache;
    expect(back.inSync(long(7), 7)).toEqual(RUN_A);
  });

  it("writes a million entries from their columns as they lie, making no part of the file whole", () => {
    const path = savedCache(
      Array.from({ length: 1_000_000 }, (_, i): [string, number, Run] => [`k${i}`, i, RUN_A]),
    );
    const data = decodeCache(readFileSync(path));
    const { columns } = data;
    const own = new Set<ArrayBufferLike>([columns.rowHash.buffer, columns.keys.allBytes.buffer]);
    let bytes = 0;
    for (const part of cacheFileParts(data)) {
      bytes += part.length;
      // The keys' lengths (2 MB) were made whole at the save, when a sync's memory peaks.
      if (!own.has(part.buffer)) expect(part.length).toBeLessThanOrEqual(65_536);
    }
    expect(bytes + 32).toBe(readFileSync(path).length);
  });

  it("writes the entries left, in another order, through that order: no column is copied whole", () => {
    const path = savedCache(
      Array.from({ length: 1_000_000 }, (_, i): [string, number, Run] => [`k${i}`, i, RUN_A]),
    );
    const data = decodeCache(readFileSync(path));
    const alive = new Uint8Array(1_000_000).fill(1);
    for (let i = 0; i < 1_000_000; i += 10) alive[i] = 0; // rows gone from the manifests
    const order = new Uint32Array(900_000);
    for (let i = 999_999, n = 0; i >= 0; i--) if (alive[i]) order[n++] = i; // last first
    const { epochs, ...identity } = data.meta;
    const written = selectEntries(data.columns, alive, 900_000, epochs, identity, order);
    const parts = [...cacheFileParts(written.data, written.selection)];
    // A copy of the columns and keys was ~60 MB at the save of a million entries.
    for (const part of parts.slice(1)) expect(part.length).toBeLessThanOrEqual(16 * 32_768);
    const back = decodeCache(encodeCache(written.data, written.selection));
    expect(back.columns.count).toBe(900_000);
    expect([0, 1, 899_999].map((k) => back.columns.keys.keyAt(k))).toEqual([
      "k999999",
      "k999998",
      "k1",
    ]);
    expect([back.columns.rowHash[0], back.columns.rowHash[899_999]]).toEqual([999_999, 1]);
    expect(back.meta.epochs).toEqual(data.meta.epochs);
  });

  it("merges a cache another sync wrote meanwhile: each keeps the rows it handled", () => {
    const path = savedCache(
      [
        ["a", 1, RUN_A],
        ["b", 2, RUN_A],
      ],
      "2026-01-01T00:00:00Z",
      1,
    );
    const one = SyncCache.load(path, IDENTITY).cache;
    const two = SyncCache.load(path, IDENTITY).cache;
    one.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1 });
    two.beginEpoch({ highWaterMark: "2026-01-03T00:00:00Z", refreshedAt: 1 });
    one.record("a", 10, RUN_B);
    two.record("b", 20, RUN_B);
    two.drop("a"); // two also saw a, not in sync: its word on a is older than one's save, kept
    one.save(path);
    two.save(path);
    const merged = SyncCache.load(path, IDENTITY).cache;
    expect(merged.inSync("b", 20)).toEqual(RUN_B);
    // two handled a last (dropped it): the cache errs on the side of a lookup
    expect(merged.get("a")).toBeUndefined();
    expect(merged.lowWaterMark(() => true)?.highWaterMark).toBe("2026-01-03T00:00:00Z");
    one.save(path); // one again, with its stale view: b is the newer one from the file
    const again = SyncCache.load(path, IDENTITY).cache;
    expect(again.inSync("b", 20)).toEqual(RUN_B);
    expect(again.inSync("a", 10)).toEqual(RUN_B);
    // the mark is the lowest over the epochs of the entries kept
    expect(again.lowWaterMark(() => true)?.highWaterMark).toBe("2026-01-02T00:00:00Z");
  });

  it("encodes and decodes any set of entries", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ minLength: 1, maxLength: 40 }),
            fc.integer({ min: 0, max: 2 ** 53 - 1 }),
          ),
          {
            maxLength: 30,
          },
        ),
        (rows) => {
          const cache = SyncCache.empty(IDENTITY);
          cache.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 5 });
          const last = new Map<string, number>();
          for (const [key, hash] of rows) {
            cache.record(key, hash, RUN_A);
            last.set(key, hash);
          }
          const path = tempFile();
          cache.save(path);
          const back = SyncCache.load(path, IDENTITY).cache;
          expect(back.size).toBe(last.size);
          for (const [key, hash] of last) expect(back.inSync(key, hash)).toEqual(RUN_A);
          expect(decodeCache(encodeCache(decodeCache(readFileSync(path)))).columns.count).toBe(
            last.size,
          );
          // Read in place (its columns are views of an aligned buffer) or copied (unaligned):
          // the same entries.
          const bytes = readFileSync(path);
          const aligned = decodeCache(bytes);
          expect((aligned.columns.rowHash.byteOffset - bytes.byteOffset) % 8).toBe(0);
          expect(aligned.columns.rowHash.buffer).toBe(bytes.buffer);
          const shifted = Buffer.alloc(bytes.length + 1);
          bytes.copy(shifted, 1);
          const copied = decodeCache(shifted.subarray(1));
          expect(copied.columns.rowHash.buffer).not.toBe(shifted.buffer);
          expect(encodeCache(copied)).toEqual(encodeCache(aligned));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("entry codecs", () => {
  it("keeps canonical timestamps exactly, and refuses others", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253402300799 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (seconds, nanos) => {
          expect(packTimestamp(unpackTimestamp(seconds, nanos))).toEqual([seconds, nanos]);
        },
      ),
    );
    expect(packTimestamp("2026-01-02T03:04:05.1Z")).toBeUndefined(); // protojson writes .100
    expect(packTimestamp("2026-01-02T03:04:05+01:00")).toBeUndefined();
    expect(timestampMinus("2026-01-02T00:00:10.500Z", 30)).toBe("2026-01-01T23:59:40.500Z");
  });

  it("packs UUIDs in 16 bytes, and refuses other ids", () => {
    const bytes = new Uint8Array(16);
    expect(packRunId(RUN_A.runId, bytes, 0)).toBe(true);
    expect(unpackRunId(bytes, 0)).toBe(RUN_A.runId);
    expect(packRunId("id-hf-1", bytes, 0)).toBe(false);
    expect(packRunId(RUN_A.runId.toUpperCase(), bytes, 0)).toBe(false);
  });
});

describe("the row hash", () => {
  const names = {
    assetIds: new Map([["stand-a", "asset-a"]]),
    keyTypes: new Map([["campaign", "string"]]),
  };
  const spec = (over: Partial<RunSpec> = {}): RunSpec => ({
    clientKey: "k",
    name: "Run",
    assets: ["stand-a"],
    tags: ["a", "b"],
    metadata: { campaign: { value: "c1" } },
    source: { file: "runs.csv", line: 2 },
    ...over,
  });

  it("changes with any managed field, the options, what names resolve to; not with the source line", () => {
    const base = hashRow(spec(), names, 1);
    expect(hashRow(spec({ source: { file: "other.csv", line: 9 } }), names, 1)).toBe(base);
    for (const other of [
      spec({ name: "Run2" }),
      spec({ description: "" }),
      spec({ tags: ["a"] }),
      spec({ tags: undefined }),
      spec({ tags: [] }),
      spec({ isPinned: false }),
      spec({ metadata: { campaign: { value: "c2" } } }),
      spec({ metadata: {} }),
      spec({ runId: "r" }),
    ]) {
      expect(hashRow(other, names, 1)).not.toBe(base);
    }
    expect(hashRow(spec(), names, 2)).not.toBe(base);
    expect(hashRow(spec(), { ...names, assetIds: new Map([["stand-a", "asset-b"]]) }, 1)).not.toBe(
      base,
    );
    expect(hashRow(spec(), { ...names, keyTypes: new Map([["campaign", "number"]]) }, 1)).not.toBe(
      base,
    );
    // A key Sift does not have yet: its type depends on the rows before it, never cached.
    expect(hashRow(spec(), { ...names, keyTypes: new Map() }, 1)).toBeUndefined();
  });
});
