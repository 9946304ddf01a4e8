import { describe, expect, it } from "vitest";
import { ClientKeyRegistry } from "../../src/manifest/client-keys.js";
import { ReadTracker } from "../../src/plan/rows-read.js";

/** The rows of a validating pass, as the readers give them: recorded first, then passed. */
function pass(
  rows: { key?: string; file: string; line: number; invalid?: boolean }[],
  inScope = (_: string | undefined) => true,
) {
  const registry = new ClientKeyRegistry();
  const tracker = new ReadTracker(registry, inScope);
  for (const row of rows) {
    const source = { file: row.file, line: row.line };
    const duplicate = row.key === undefined ? undefined : registry.add(row.key, source);
    tracker.passed(source);
    if (row.invalid || duplicate !== undefined) tracker.invalid(row.key, source);
    else if (inScope(row.key)) tracker.valid();
  }
  return tracker;
}

describe("the rows a stopped reading met", () => {
  it("lists every row read in order, invalid ones too (a duplicate, one without a clientKey), and where reading stopped", () => {
    const tracker = pass([
      { key: "k-1", file: "a.csv", line: 2 },
      { key: "k-2", file: "a.csv", line: 3, invalid: true }, // a bad value: recorded
      { file: "a.csv", line: 4, invalid: true }, // no clientKey
      { key: "k-1", file: "b.csv", line: 2 }, // a duplicate: not recorded again
      { key: "k-3", file: "b.csv", line: 3 },
    ]);
    const read = tracker.read(["a.csv", "b.csv", "c.csv"]);
    expect([...read.rows()]).toEqual([
      { clientKey: "k-1", source: "a.csv:2" },
      { clientKey: "k-2", source: "a.csv:3" },
      { clientKey: "", source: "a.csv:4" },
      { clientKey: "k-1", source: "b.csv:2" },
      { clientKey: "k-3", source: "b.csv:3" },
    ]);
    expect(read.unread).toEqual({ files: [{ path: "b.csv", afterLine: 3 }, { path: "c.csv" }] });
    expect(read.unnamed).toBe(0);
    // Known before the listing: a quit while it lists says how many it had not.
    expect(read.count).toBe(5);
  });

  it("leaves out rows of another shard; nothing read: every file unread", () => {
    const tracker = pass(
      [
        { key: "mine-1", file: "a.csv", line: 2 },
        { key: "theirs-1", file: "a.csv", line: 3 },
        { key: "theirs-1", file: "a.csv", line: 4 },
      ],
      (key) => key?.startsWith("mine") === true,
    );
    const read = tracker.read(["a.csv"]);
    expect([...read.rows()]).toEqual([{ clientKey: "mine-1", source: "a.csv:2" }]);
    expect(read.count).toBe(1);
    const none = new ReadTracker(new ClientKeyRegistry(), () => true).read(["a.csv", "b.csv"]);
    expect([...none.rows()]).toEqual([]);
    expect(none.count).toBe(0);
    expect(none.unread.files).toEqual([{ path: "a.csv" }, { path: "b.csv" }]);
  });

  it("past the invalid rows it keeps to name, counts the others as unnamed, not among those it names", () => {
    const rows = Array.from({ length: 10_005 }, (_, i) => ({
      file: "a.csv",
      line: i + 2,
      invalid: true,
    }));
    const read = pass([{ key: "k-1", file: "a.csv", line: 1 }, ...rows]).read(["a.csv"]);
    expect(read.unnamed).toBe(5);
    expect(read.count).toBe(10_001);
    expect([...read.rows()]).toHaveLength(10_001);
  });
});
