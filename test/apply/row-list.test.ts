import { describe, expect, it } from "vitest";
import { RowList } from "../../src/apply/row-list.js";
import type { RowRef } from "../../src/apply/work.js";

function listOf(rows: RowRef[]): RowList {
  const list = new RowList();
  for (const row of rows) list.add(row.clientKey, row.source, row.action);
  return list;
}

describe("the rows of a saved plan, kept to list them after a stop", () => {
  it("gives back every row as it was added, in order, from any row on", () => {
    const rows: RowRef[] = [
      { clientKey: "tv-001", source: "runs.csv:2", action: "create" },
      { clientKey: "tv-002", source: "runs.csv:3", action: "update" },
      { clientKey: "", source: "runs.csv:4", action: "invalid" }, // no clientKey
      { clientKey: "tv-001", source: "b.csv:2", action: "invalid" }, // a duplicate
      { clientKey: "vlna-ü-🚀", source: "dir/ünï code.yaml:10", action: "adopt" },
      { clientKey: "tv-old", source: "", action: "archive" }, // no manifest holds it
      { clientKey: "tv-003", source: "runs.csv:4294967295" }, // no action; past a Uint32's line
      { clientKey: "a", source: "x:007", action: "skip" }, // not a line formatSource writes
      { clientKey: "b", source: "C:\\exports\\a.csv:12", action: "unchanged" },
      { clientKey: "c", source: "weird:", action: "unarchive" },
      { clientKey: "d", source: "runs.csv:5", action: "unplanned" },
      { clientKey: "e", source: "runs.csv:-1", action: "create" },
      { clientKey: "f", source: "runs.csv:0", action: "create" },
    ];
    const list = listOf(rows);
    expect(list.size).toBe(rows.length);
    expect([...list.refs()]).toEqual(rows);
    expect([...list.refs(4)]).toEqual(rows.slice(4));
    expect([...list.refs(rows.length)]).toEqual([]);
    expect([...list.refs(rows.length + 5)]).toEqual([]);
  });

  it("grows past its first arrays and arena; a row costs its key and about 13 bytes", () => {
    const n = 300_000;
    const list = new RowList();
    const key = (i: number) => `nu-${String(i).padStart(6, "0")}`;
    for (let i = 0; i < n; i++) list.add(key(i), `big.csv:${i + 2}`, "create");
    expect(list.size).toBe(n);
    let i = 0;
    for (const row of list.refs()) {
      if (row.clientKey !== key(i) || row.source !== `big.csv:${i + 2}`) {
        expect(row).toEqual({ clientKey: key(i), source: `big.csv:${i + 2}`, action: "create" });
      }
      i++;
    }
    expect(i).toBe(n);
    // 9-byte keys: 22 B a row once full; the arrays double, so at most twice that allocated.
    expect(list.bytes / n).toBeLessThan(2 * 22 + 1);
    expect(list.bytes / n).toBeGreaterThanOrEqual(22);
  });

  it("files that alternate (the last file is not the one) come back right", () => {
    const list = new RowList();
    for (let i = 0; i < 10_000; i++) list.add(`k-${i}`, `${i % 2 ? "a" : "b"}.csv:${i}`, "create");
    const sources = [...list.refs()].map((row) => row.source);
    expect(sources.slice(0, 3)).toEqual(["b.csv:0", "a.csv:1", "b.csv:2"]);
    expect(new Set(sources).size).toBe(10_000);
  });
});
