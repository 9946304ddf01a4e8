import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRetryKeys, splitCutRow } from "../../src/report/results-file-read.js";
import { planJson, useEmulator } from "../e2e/harness.js";

/**
 * Issue 18.6: `--retry-failed` reads a results file whose last row is cut short (the apply
 * was killed, or the disk filled, while writing it): the whole rows are read as ever, and the
 * cut row's run is taken as not done, so it is retried. Today the file was refused.
 */

const HEADER = "clientKey,action,status,runId,updateMask,error,source\r\n";

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "srs-cut-")), name);
  writeFileSync(path, text);
  return path;
}

describe("a results file cut short", () => {
  it("CSV: the failed rows, and the cut row's key", () => {
    const path = file(
      "results.csv",
      HEADER +
        "a,create,ok,r-a,,,runs.csv:2\r\n" +
        'b,create,failed,,,"[POST /api/v2/runs] 400: no, really",runs.csv:3\r\n' +
        "c,create,o",
    );
    const notes: string[] = [];
    expect([...readRetryKeys(path, notes)].sort()).toEqual(["b", "c"]);
    expect(notes).toEqual([
      `--retry-failed ${path}: its last row is cut short (it was being written when the apply stopped): "c" is retried`,
    ]);
  });

  it("CSV: a cut inside a quoted cell with a line break is still the last row", () => {
    const text =
      HEADER + "a,create,ok,r-a,,,runs.csv:2\r\n" + 'd,update,failed,,,"line one\r\nline';
    expect(splitCutRow(text, true)).toEqual({
      whole: HEADER + "a,create,ok,r-a,,,runs.csv:2\r\n",
      cut: 'd,update,failed,,,"line one\r\nline',
    });
    expect([...readRetryKeys(file("r.csv", text))]).toEqual(["d"]);
  });

  it("JSON Lines: the cut line's clientKey", () => {
    const path = file(
      "results.jsonl",
      '{"clientKey":"a","action":"create","status":"skipped","source":"runs.csv:2"}\n' +
        '{"clientKey":"e \\"quoted\\"","action":"cre',
    );
    expect([...readRetryKeys(path)].sort()).toEqual(["a", 'e "quoted"']);
  });

  it("a cut inside the clientKey itself selects nothing more, and says why", () => {
    const notes: string[] = [];
    const path = file("results.csv", HEADER + "a,create,ok,r-a,,,runs.csv:2\r\ntv-00");
    expect([...readRetryKeys(path, notes)]).toEqual([]);
    expect(notes[0]).toMatch(/cut short inside its clientKey: that run is not selected/);
  });

  it("a file of whole rows reads as before", () => {
    const path = file("results.csv", HEADER + "a,create,failed,,,x,runs.csv:2\r\n");
    const notes: string[] = [];
    expect([...readRetryKeys(path, notes)]).toEqual(["a"]);
    expect(notes).toEqual([]);
  });
});

describe("plan --retry-failed with a cut results file", () => {
  const emulator = useEmulator();

  it("plans the failed runs and the cut row's run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "srs-cut-plan-"));
    const rows = ["a", "b", "c", "d"].map((k) => `cut-${k},Run ${k}`);
    writeFileSync(join(dir, "runs.csv"), `clientKey,name\n${rows.join("\n")}\n`);
    const results = file(
      "results.csv",
      HEADER +
        "cut-a,create,ok,r-a,,,runs.csv:2\r\n" +
        "cut-b,create,failed,,,boom,runs.csv:3\r\n" +
        "cut-c,crea",
    );
    const { plan, stderr } = await planJson(emulator(), [
      join(dir, "runs.csv"),
      "--retry-failed",
      results,
    ]);
    expect(plan.changes.map((c) => c.clientKey)).toEqual(["cut-b", "cut-c"]);
    expect(stderr).toMatch(/its last row is cut short .*cut-c\\" is retried/);
  });
});
