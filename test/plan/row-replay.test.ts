import { describe, expect, it } from "vitest";
import { cacheEntryOf, isReplayed, type RunSpec } from "../../src/manifest/index.js";
import { RowReplay } from "../../src/plan/row-replay.js";

const keyAt = (entry: number) => `cached-${entry}`;
const row = (clientKey: string, file: string, line: number): RunSpec => ({
  clientKey,
  name: `Run ${clientKey}`,
  source: { file, line },
});

/** Every run `replay` gives back for `file`, its chunks joined. */
async function replayed(replay: RowReplay, file: string): Promise<RunSpec[] | undefined> {
  const chunks = await replay.over(undefined).skip(file, `/abs/${file}`, "key");
  return chunks && [...chunks].flat();
}

describe("RowReplay", () => {
  it("gives back each file's rows in order: known ones as stubs of their entry, the others whole", async () => {
    const replay = new RowReplay(keyAt, 2); // grows past its first size
    replay.add(row("cached-7", "a.csv", 2), 7);
    replay.add(row("new-1", "a.csv", 3), -1);
    replay.add(row("cached-3", "b.csv", 9), 3);
    replay.add(row("new-2", "b.csv", 10), -1);
    expect(replay.kept).toBe(true);
    const a = (await replayed(replay, "a.csv"))!;
    const b = (await replayed(replay, "b.csv"))!;
    expect([...a, ...b].map((r) => [r.clientKey, r.source.file, r.source.line])).toEqual([
      ["cached-7", "a.csv", 2],
      ["new-1", "a.csv", 3],
      ["cached-3", "b.csv", 9],
      ["new-2", "b.csv", 10],
    ]);
    expect([...a, ...b].map((r) => cacheEntryOf(r))).toEqual([7, undefined, 3, undefined]);
    expect([...a, ...b].map((r) => isReplayed(r))).toEqual([true, false, true, false]);
    expect(a[1]!.name).toBe("Run new-1");
    expect(replay.unknown().map((r) => r.clientKey)).toEqual(["new-1", "new-2"]);
    // Given back again, the same rows; a file the pass did not read is left to the readers.
    expect((await replayed(replay, "a.csv"))!.map((r) => r.clientKey)).toEqual([
      "cached-7",
      "new-1",
    ]);
    expect(await replayed(replay, "c.csv")).toBeUndefined();
  });

  it("asks the sync cache's skips about the files it did not keep", async () => {
    const replay = new RowReplay(keyAt, 4);
    replay.add(row("cached-1", "a.csv", 2), 1);
    const asked: string[] = [];
    const skips = replay.over({
      skip: async (file) => {
        asked.push(file);
        return file === "skipped.csv" ? [[row("s", file, 2)]] : undefined;
      },
    });
    expect(await skips.skip("a.csv", "/abs/a.csv", "k")).toBeDefined();
    expect([...(await skips.skip("skipped.csv", "/abs/skipped.csv", "k"))!].flat()).toHaveLength(1);
    expect(await skips.skip("read.csv", "/abs/read.csv", "k")).toBeUndefined();
    expect(asked).toEqual(["skipped.csv", "read.csv"]);
  });

  it("gives back rows of many chunks whole", async () => {
    const replay = new RowReplay(keyAt, 10);
    for (let i = 0; i < 10_000; i++) replay.add(row(`cached-${i}`, "a.csv", i + 2), i);
    const chunks = [...(await replay.over(undefined).skip("a.csv", "/a.csv", "k"))!];
    expect(chunks.length).toBeGreaterThan(1);
    const rows = chunks.flat();
    expect(rows).toHaveLength(10_000);
    expect(rows.every((r, i) => r.clientKey === `cached-${i}` && r.source.line === i + 2)).toBe(
      true,
    );
  });

  it("is given up past the rows it may hold whole, or a file met twice", () => {
    const replay = new RowReplay(keyAt, 10, 2);
    replay.add(row("new-1", "a.csv", 2), -1);
    replay.add(row("cached-1", "a.csv", 3), 1);
    replay.add(row("new-2", "a.csv", 4), -1);
    expect(replay.kept).toBe(true);
    replay.add(row("new-3", "a.csv", 5), -1);
    expect(replay.kept).toBe(false);
    expect(replay.unknown()).toEqual([]);

    const twice = new RowReplay(keyAt, 10);
    twice.add(row("cached-1", "a.csv", 2), 1);
    twice.add(row("cached-2", "b.csv", 2), 2);
    twice.add(row("cached-3", "a.csv", 3), 3);
    expect(twice.kept).toBe(false);
  });
});
