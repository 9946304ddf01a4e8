import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeCache } from "../../src/cache/cache-file.js";
import { SyncCache } from "../../src/cache/sync-cache.js";
import { IDENTITY } from "../helpers/cache-identity.js";

const RUN = {
  runId: "0b8f6a34-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
  modifiedDate: "2026-01-02T03:04:05.123456789Z",
};

const tempFile = () => join(mkdtempSync(join(tmpdir(), "srs-widths-")), "runs.srscache");
const setOf = (i: number) => ({
  set: { assets: [`asset-${i}`], metadataKeys: [`key-${i % 3}`] },
  digest: () => `digest-${i}`,
});

/** Each entry's epoch mark and name set as the file read back says. */
function readBack(path: string, keys: string[]) {
  const { meta, columns } = decodeCache(readFileSync(path));
  return keys.map((key) => {
    const i = columns.keys.find(key);
    const s = columns.names[i]!;
    return {
      key,
      mark: meta.epochs[columns.epoch[i]!]!.highWaterMark,
      set: s === 0 ? undefined : meta.nameSets![s - 1]!.assets[0],
      hash: columns.rowHash[i],
    };
  });
}

describe("the cache file's one- and two-byte columns", () => {
  // An odd count of entries puts the column after a one-byte column at an odd offset.
  for (const [epochs, sets] of [
    [300, 3],
    [3, 300],
    [300, 300],
    [257, 255],
    [256, 256],
  ] as const) {
    it(`reads back ${epochs} epochs and ${sets} name sets over an odd count of entries`, () => {
      const cache = SyncCache.empty(IDENTITY);
      const keys: string[] = [];
      const n = Math.max(epochs, sets) | 1;
      for (let k = 0; k < n; k++) {
        if (k < epochs) {
          const day = String(k).padStart(4, "0");
          cache.beginEpoch({ highWaterMark: `2026-01-02T00:00:00.${day}Z`, refreshedAt: k });
        }
        const key = `w-${k}`;
        keys.push(key);
        cache.record(key, k + 0.5, RUN, 0, setOf(k % sets));
      }
      const path = tempFile();
      cache.save(path);
      const got = readBack(path, keys);
      got.forEach(({ key, mark, set, hash }, k) => {
        expect({ key, mark, set, hash }).toEqual({
          key,
          mark: `2026-01-02T00:00:00.${String(Math.min(k, epochs - 1)).padStart(4, "0")}Z`,
          set: `asset-${k % sets}`,
          hash: k + 0.5,
        });
      });
      // Loaded, recorded again and saved: the same.
      const back = SyncCache.load(path, IDENTITY).cache;
      back.beginEpoch({ highWaterMark: "2026-02-01T00:00:00Z", refreshedAt: 1 });
      back.record("w-new", 1, RUN, 0, setOf(1000));
      back.save(path);
      const again = readBack(path, [...keys, "w-new"]);
      expect(again.slice(0, -1)).toEqual(got);
      expect(again.at(-1)).toMatchObject({ set: "asset-1000", mark: "2026-02-01T00:00:00Z" });
    });
  }

  it("merges another sync's file whose name-set table differs: each entry keeps its own set", () => {
    const path = tempFile();
    const base = SyncCache.empty(IDENTITY);
    base.beginEpoch({ highWaterMark: "2026-01-01T00:00:00Z", refreshedAt: 1 });
    base.record("m-a", 1, RUN, 0, setOf(1));
    base.record("m-b", 2, RUN, 0, setOf(2));
    base.save(path);
    const one = SyncCache.load(path, IDENTITY).cache;
    const two = SyncCache.load(path, IDENTITY).cache;
    one.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: 1 });
    two.beginEpoch({ highWaterMark: "2026-01-03T00:00:00Z", refreshedAt: 1 });
    // one adds sets 10, 11; two adds 20 and 2 again under another digest.
    one.record("m-a", 10, RUN, 0, setOf(10));
    one.record("m-c", 11, RUN, 0, setOf(11));
    two.record("m-b", 20, RUN, 0, setOf(20));
    two.record("m-d", 21, RUN, 0, { set: setOf(2).set, digest: () => "other" });
    one.save(path);
    two.save(path);
    const { meta, columns } = decodeCache(readFileSync(path));
    const setAt = (key: string) => {
      const s = columns.names[columns.keys.find(key)]!;
      return s === 0 ? undefined : meta.nameSets![s - 1];
    };
    expect(setAt("m-a")).toEqual({
      assets: ["asset-10"],
      metadataKeys: ["key-1"],
      names: "digest-10",
    });
    expect(setAt("m-c")?.names).toBe("digest-11");
    expect(setAt("m-b")?.names).toBe("digest-20");
    expect(setAt("m-d")).toEqual({ assets: ["asset-2"], metadataKeys: ["key-2"], names: "other" });
    // Only the sets in use are written.
    expect(meta.nameSets).toHaveLength(4);
  });
});
