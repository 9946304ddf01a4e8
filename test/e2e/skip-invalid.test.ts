import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

/** Valid rows, and rows invalid by the manifest's rules and against Sift. */
function mixedManifest(prefix: string) {
  return manifestDir({
    "runs.csv": [
      "clientKey,name,startTime,stopTime,assets,metadata.altitude_m",
      `${prefix}-1,Good one,,,,1200`,
      // Invalid by the manifest's own rules: stop before start.
      `${prefix}-2,Bad times,2024-01-01T02:00:00Z,2024-01-01T01:00:00Z,,`,
      // Invalid against Sift: an asset Sift does not know, a number key given text.
      `${prefix}-3,Unknown asset,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,no-such-stand,`,
      `${prefix}-4,Wrong type,,,,high`,
      `${prefix}-5,Good two,,,,`,
      // A duplicated clientKey: the first one is applied, this one reported.
      `${prefix}-1,Duplicate,,,,`,
    ].join("\n"),
  });
}

function readJsonl(path: string) {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map(
      (l) => JSON.parse(l) as { clientKey: string; status: string; error?: string; source: string },
    );
}

describe("--skip-invalid", () => {
  it("without it, nothing is written and the error says how many valid runs were held back", async () => {
    const dir = mixedManifest("hb");
    const before = emulator().stats().writes;
    const { code, stderr } = await runCli(emulator(), ["apply", dir]);
    expect(code).toBe(1);
    expect(emulator().stats().writes).toBe(before);
    expect(stderr).toContain("runs.csv:3 stopTime:");
    expect(stderr).toMatch(/runs.csv:7 clientKey: "hb-1" is also defined at .*runs.csv:2/);
    expect(stderr).toMatch(
      /nothing was written \(4 valid runs were held back; --skip-invalid applies the valid runs/,
    );
  });

  it("without it, rows invalid against Sift also hold the valid ones back, and say so", async () => {
    const dir = manifestDir({
      "runs.csv": "clientKey,name,metadata.altitude_m\nhs-1,Good,1\nhs-2,Bad,high\n",
    });
    const { code, stderr } = await runCli(emulator(), ["apply", dir]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/runs.csv:3 metadata.altitude_m: "high" is not a number/);
    expect(stderr).toContain("(1 valid run was held back; --skip-invalid");
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "hs-1"),
    ).toBe(false);
  });

  it("applies every valid run and reports each invalid one as failed, in results and summary; exit 1", async () => {
    const dir = mixedManifest("si");
    const results = join(manifestDir({}), "results.jsonl");
    const { code, stdout, stderr } = await runCli(emulator(), [
      "apply",
      dir,
      "--skip-invalid",
      "--results",
      results,
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Applied: 2 created, 0 updated, 0 unchanged, 4 failed, 0 skipped/);
    const created = emulator()
      .runs()
      .filter((r) => r.clientKey?.startsWith("si-"))
      .map((r) => [r.clientKey, r.name]);
    expect(created.sort()).toEqual([
      ["si-1", "Good one"],
      ["si-5", "Good two"],
    ]);
    // In manifest order (rows complete in any order).
    const line = (l: { source: string }) => Number(l.source.replace(/.*:/, ""));
    const lines = readJsonl(results).sort((a, b) => line(a) - line(b));
    expect(lines.map((l) => [l.source.replace(/.*\//, ""), l.status])).toEqual([
      ["runs.csv:2", "ok"],
      ["runs.csv:3", "failed"],
      ["runs.csv:4", "failed"],
      ["runs.csv:5", "failed"],
      ["runs.csv:6", "ok"],
      ["runs.csv:7", "failed"],
    ]);
    expect(lines[1]!.error).toMatch(/stopTime: .* is not after startTime/);
    expect(lines[2]!.error).toMatch(/no asset named "no-such-stand" exists in Sift/);
    expect(lines[3]!.error).toMatch(/"high" is not a number/);
    expect(lines[5]!.error).toMatch(/"si-1" is also defined at/);
    // Each invalid row is named on stderr with its problem.
    expect(stderr).toMatch(/si-2 .*runs.csv:3\) invalid: .*stopTime/);
  });

  it("plan reports the same: invalid rows in place, the valid ones planned, exit 1", async () => {
    const dir = mixedManifest("sp");
    const { code, stdout } = await runCli(emulator(), [
      "plan",
      dir,
      "--skip-invalid",
      "--format",
      "json",
    ]);
    expect(code).toBe(1);
    const plan = JSON.parse(stdout) as {
      summary: Record<string, number>;
      changes: { clientKey: string; action: string }[];
    };
    expect(plan.summary).toMatchObject({ create: 2, invalid: 4 });
    expect(plan.changes.map((c) => c.action)).toEqual([
      "create",
      "invalid",
      "invalid",
      "invalid",
      "create",
      "invalid",
    ]);
  });

  it("a file that cannot be parsed still stops the run (its rows are unknown)", async () => {
    const dir = manifestDir({
      "a.csv": "clientKey,name\npf-1,Fine\n",
      "b.yaml": "- {clientKey: pf-2, name: [unclosed\n",
    });
    const { code, stderr } = await runCli(emulator(), ["apply", dir, "--skip-invalid"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/b.yaml:\d+:\d+ invalid YAML/);
    expect(stderr).toMatch(/nothing was written\n$/);
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "pf-1"),
    ).toBe(false);
  });
});
