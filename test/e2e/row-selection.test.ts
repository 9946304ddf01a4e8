import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestDir, planJson, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

function runs(prefix: string, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => `${prefix}-${i},Run ${i}`);
  return `clientKey,name\n${rows.join("\n")}\n`;
}

function readJsonl(path: string) {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { clientKey: string; status: string; error?: string });
}

describe("--only KEY,...", () => {
  it("restricts plan and apply to those runs, and warns about a key no manifest has", async () => {
    const dir = manifestDir({ "runs.csv": runs("on", 10) });
    const { plan } = await planJson(emulator(), [dir, "--only", "on-3,on-7"]);
    expect(plan.changes.map((c) => c.clientKey)).toEqual(["on-3", "on-7"]);
    const applied = await runCli(emulator(), ["apply", dir, "--only", "on-3,on-404"]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(
      /^Applied: 1 created, 0 updated, 0 unchanged, 0 failed, 0 skipped/,
    );
    expect(applied.stderr).toContain('1 selected clientKey is in no manifest: \\"on-404\\"');
    expect(
      emulator()
        .runs()
        .filter((r) => r.clientKey?.startsWith("on-"))
        .map((r) => r.clientKey),
    ).toEqual(["on-3"]);
  });
});

describe("--retry-failed RESULTS", () => {
  it("applies only the failed and skipped runs of an earlier results file (.jsonl and .csv)", async () => {
    const dir = manifestDir({ "runs.csv": runs("rf", 12) });
    const out = manifestDir({});
    const first = join(out, "first.jsonl");
    // A canary run: the first 4 changes, the others skipped with the reason.
    const canary = await runCli(emulator(), ["apply", dir, "--limit", "4", "--results", first]);
    expect(canary.code).toBe(0);
    expect(canary.stdout).toMatch(
      /^Applied: 4 created, 0 updated, 0 unchanged, 0 failed, 8 skipped/,
    );
    expect(canary.stderr).toContain("8 rows skipped: beyond --limit 4");
    const lines = readJsonl(first);
    expect(lines).toHaveLength(12);
    expect(lines.filter((l) => l.status === "skipped")[0]?.error).toMatch(/beyond --limit 4/);

    // A results CSV of the same shape, with one failed row and one ok row.
    const csv = join(out, "earlier.csv");
    writeFileSync(
      csv,
      "clientKey,action,status,runId,updateMask,error,source\r\nrf-0,create,ok,x,,,runs.csv:2\r\nrf-5,create,failed,,,boom,runs.csv:7\r\n",
    );
    const { plan } = await planJson(emulator(), [dir, "--retry-failed", csv]);
    expect(plan.changes.map((c) => [c.clientKey, c.action])).toEqual([["rf-5", "create"]]);

    const retried = await runCli(emulator(), ["apply", dir, "--retry-failed", first]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(
      /^Applied: 8 created, 0 updated, 0 unchanged, 0 failed, 0 skipped/,
    );
    const again = await runCli(emulator(), ["apply", dir]);
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 12 unchanged/);
  });

  it("refuses a file that is not a results file", async () => {
    const dir = manifestDir({ "runs.csv": runs("rx", 1), "other.txt": "x" });
    const { code, stderr } = await runCli(emulator(), [
      "plan",
      dir,
      "--retry-failed",
      join(dir, "other.txt"),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/must end in .csv or .jsonl/);
  });
});
