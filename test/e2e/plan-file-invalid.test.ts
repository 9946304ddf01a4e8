import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * Issue 20, item 5: `apply --plan FILE` of a saved plan that holds invalid runs writes nothing
 * by default, as an apply of its manifests does; `--skip-invalid` applies the valid part. The
 * two safety defaults agree: the same exit code, summary and results.
 */
const emulator = useEmulator();

const MANIFEST = [
  "clientKey,name,assets,startTime,stopTime",
  "pi-1,A,,,",
  "pi-2,B,nope,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z",
  "pi-3,C,,,",
  "",
].join("\n");

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path, "utf8"), { columns: true }) as Record<string, string>[];
}

describe("apply --plan of a plan that holds invalid runs", () => {
  it("writes nothing by default, and says so as an apply of the manifests does", async () => {
    const dir = manifestDir({ "runs.csv": MANIFEST });
    const out = join(dir, "plan.json");
    const plan = await runCli(emulator(), ["plan", dir, "--out", out]);
    expect(plan.code).toBe(1); // the plan shows the invalid run, and is saved
    const before = emulator().stats().writes;

    const fromPlan = join(dir, "from-plan.csv");
    const applied = await runCli(emulator(), ["apply", "--plan", out, "--results", fromPlan]);
    expect(applied.code).toBe(1);
    expect(emulator().stats().writes).toBe(before);
    expect(applied.stdout).toMatch(
      /^Nothing applied: 0 created, 0 updated, 0 unchanged, 1 failed, 2 skipped in \d+\.\d s\. .*plan\.json holds 1 invalid run; nothing was written \(2 valid runs held back; --skip-invalid applies the valid runs and reports the invalid ones as failed\)\.\n/,
    );
    expect(applied.stderr).toContain("plan.json holds 1 invalid run; nothing was written");

    // The manifest apply refuses the same way: same counts, same rows.
    const fromManifest = join(dir, "from-manifest.csv");
    const manifest = await runCli(emulator(), ["apply", dir, "--results", fromManifest]);
    expect(manifest.code).toBe(applied.code);
    expect(manifest.stdout).toMatch(/^Nothing applied: .* 1 failed, 2 skipped/);
    const rowsOf = (path: string) =>
      readCsv(path).map((r) => [r.clientKey, r.action, r.status, r.error]);
    expect(rowsOf(fromPlan)).toEqual(rowsOf(fromManifest));
    expect(rowsOf(fromPlan).map((r) => r.slice(0, 3))).toEqual([
      ["pi-1", "create", "skipped"],
      ["pi-2", "invalid", "failed"],
      ["pi-3", "create", "skipped"],
    ]);
    expect(emulator().stats().writes).toBe(before);

    const json = await runCli(emulator(), ["apply", "--plan", out, "--format", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      created: 0,
      failed: 1,
      skipped: 2,
      error: { code: "PLAN" },
    });
  });

  it("--skip-invalid applies the valid runs and reports the invalid one as failed (exit 1)", async () => {
    const dir = manifestDir({ "runs.csv": MANIFEST.replaceAll("pi-", "ps-") });
    const out = join(dir, "plan.json");
    await runCli(emulator(), ["plan", dir, "--out", out]);
    const results = join(dir, "results.csv");
    const applied = await runCli(emulator(), [
      ...["apply", "--plan", out, "--skip-invalid", "--results", results],
    ]);
    expect(applied.code).toBe(1);
    expect(applied.stdout).toMatch(/^Applied: 2 created, 0 updated, 0 unchanged, 1 failed/);
    // In the order the runs finished: sorted.
    expect(
      readCsv(results)
        .map((r) => [r.clientKey, r.status])
        .sort(),
    ).toEqual([
      ["ps-1", "ok"],
      ["ps-2", "failed"],
      ["ps-3", "ok"],
    ]);
    const keys = emulator()
      .runs()
      .map((r) => r.clientKey);
    expect(keys).toEqual(expect.arrayContaining(["ps-1", "ps-3"]));
    expect(keys).not.toContain("ps-2");
  });
});
