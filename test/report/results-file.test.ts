import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { neutraliseCell } from "../../src/report/cells.js";
import {
  createResultsWriter,
  type ResultRow,
  resultsFormatOf,
} from "../../src/report/results-file.js";

const ROWS: ResultRow[] = [
  { clientKey: "tv-001", action: "create", status: "ok", runId: "run-1", source: "runs.csv:2" },
  {
    clientKey: "tv-002",
    action: "update",
    status: "ok",
    runId: "run-2",
    updateMask: ["name", "tags"],
    source: "runs.csv:3",
  },
  { clientKey: "tv-003", action: "unchanged", status: "ok", runId: "run-3", source: "runs.csv:4" },
  {
    clientKey: '=HYPERLINK("http://evil","x")',
    action: "update",
    status: "failed",
    runId: "run-4",
    updateMask: ["description"],
    error: '[PATCH /api/v2/runs] 400: bad "value",\nsecond line',
    source: "runs.csv:5",
  },
  {
    clientKey: "@SUM(1+1)",
    action: "create",
    status: "skipped",
    error: "+clientKey now exists",
    source: "-runs.csv:6",
  },
  { clientKey: "\tk", action: "invalid", status: "skipped", error: "-1", source: "\rx:7" },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "results-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function writeAll(path: string, rows: ResultRow[]): Promise<string> {
  const writer = createResultsWriter(path);
  for (const row of rows) writer.write(row);
  await writer.close();
  return readFileSync(path, "utf8");
}

describe("results file", () => {
  it("writes CSV that parses back, with formula-like cells neutralised", async () => {
    const text = await writeAll(join(dir, "results.csv"), ROWS);
    const records: string[][] = parse(text);
    expect(records[0]).toEqual([
      "clientKey",
      "action",
      "status",
      "runId",
      "updateMask",
      "error",
      "source",
    ]);
    expect(records.slice(1)).toEqual([
      ["tv-001", "create", "ok", "run-1", "", "", "runs.csv:2"],
      ["tv-002", "update", "ok", "run-2", "name,tags", "", "runs.csv:3"],
      ["tv-003", "unchanged", "ok", "run-3", "", "", "runs.csv:4"],
      [
        '\'=HYPERLINK("http://evil","x")',
        "update",
        "failed",
        "run-4",
        "description",
        '[PATCH /api/v2/runs] 400: bad "value",\nsecond line',
        "runs.csv:5",
      ],
      ["'@SUM(1+1)", "create", "skipped", "", "", "'+clientKey now exists", "'-runs.csv:6"],
      ["'\tk", "invalid", "skipped", "", "", "'-1", "'\rx:7"],
    ]);
    // No cell, once unquoted, starts like a formula.
    for (const cell of records.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("writes JSON Lines, one parseable object per row, values unchanged", async () => {
    const text = await writeAll(join(dir, "results.JSONL"), ROWS);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(ROWS.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(ROWS);
    expect(lines[0]).toBe(
      '{"clientKey":"tv-001","action":"create","status":"ok","runId":"run-1","source":"runs.csv:2"}',
    );
  });

  it("puts each row in the file as soon as it is written", async () => {
    const path = join(dir, "results.csv");
    const writer = createResultsWriter(path);
    writer.write(ROWS[0]!);
    expect(parse(readFileSync(path, "utf8"))).toHaveLength(2);
    writer.write(ROWS[1]!);
    expect(parse(readFileSync(path, "utf8"))).toHaveLength(3);
    await writer.close();
  });

  it("picks the format by extension and refuses any other", () => {
    expect(resultsFormatOf("out/Results.CSV")).toBe("csv");
    expect(resultsFormatOf("r.jsonl")).toBe("jsonl");
    expect(() => resultsFormatOf("r.json")).toThrow(UsageError);
    expect(() => createResultsWriter(join(dir, "r.txt"))).toThrow(/must end in \.csv or \.jsonl/);
    expect(() => createResultsWriter(join(dir, "missing", "r.csv"))).toThrow(UsageError);
  });
});

describe("neutraliseCell", () => {
  it("prefixes a quote to cells a spreadsheet would run, and only to those", () => {
    for (const s of ["=1+1", "+1", "-1", "@x", "\t=1", "\r=1"]) {
      expect(neutraliseCell(s)).toBe(`'${s}`);
    }
    for (const s of ["tv-001", "", "a=b", "'quoted", " =x"]) expect(neutraliseCell(s)).toBe(s);
  });
});
