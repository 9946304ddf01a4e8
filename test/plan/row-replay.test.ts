import { describe, expect, it } from "vitest";
import { cacheEntryOf, isReplayed, type RunSpec } from "../../src/manifest/index.js";
import { RowReplay } from "../../src/plan/row-replay.js";

const keyAt = (entry: number) => `cached-${entry}`;
const row = (clientKey: string, file: string, line: number): RunSpec => ({
  clientKey,
  name: `Run ${clientKey}`,
  source: { file, line },
});

describe("RowReplay", () => {
  it("gives back every row in order: known ones as stubs of their entry, the others whole", () => {
    const replay = new RowReplay(keyAt, 2); // grows past its first size
    replay.add(row("cached-7", "a.csv", 2), 7);
    replay.add(row("new-1", "a.csv", 3), -1);
    replay.add(row("cached-3", "b.csv", 9), 3);
    replay.add(row("cached-0", "c.csv", 4), 0);
    replay.add(row("new-2", "c.csv", 5), -1);
    expect(replay.kept).toBe(true);
    const rows = [...replay.rows()] as RunSpec[];
    expect(rows.map((r) => [r.clientKey, r.source.file, r.source.line])).toEqual([
      ["cached-7", "a.csv", 2],
      ["new-1", "a.csv", 3],
      ["cached-3", "b.csv", 9],
      ["cached-0", "c.csv", 4],
      ["new-2", "c.csv", 5],
    ]);
    expect(rows.map((r) => cacheEntryOf(r))).toEqual([7, undefined, 3, 0, undefined]);
    expect(rows.map((r) => isReplayed(r))).toEqual([true, false, true, true, false]);
    expect(rows[1]!.name).toBe("Run new-1");
    expect(replay.unknown().map((r) => (r as RunSpec).clientKey)).toEqual(["new-1", "new-2"]);
    // Replayed again, the same rows.
    expect([...replay.rows()].map((r) => (r as RunSpec).clientKey)).toEqual(
      rows.map((r) => r.clientKey),
    );
  });

  it("is given up past the rows it may hold whole", () => {
    const replay = new RowReplay(keyAt, 10, 2);
    replay.add(row("new-1", "a.csv", 2), -1);
    replay.add(row("cached-1", "a.csv", 3), 1);
    replay.add(row("new-2", "a.csv", 4), -1);
    expect(replay.kept).toBe(true);
    replay.add(row("new-3", "a.csv", 5), -1);
    expect(replay.kept).toBe(false);
    replay.add(row("cached-2", "a.csv", 6), 2);
    expect([...replay.rows()]).toEqual([]);
    expect(replay.unknown()).toEqual([]);
  });
});
