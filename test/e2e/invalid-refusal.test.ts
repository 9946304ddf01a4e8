import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * Issue 20, item 5: an apply refused for invalid rows (no --skip-invalid) writes nothing, and
 * still says so in its one stdout document, whatever the format, and lists every manifest run
 * in --results: the invalid ones failed with their problem, the valid ones skipped with why.
 */
const emulator = useEmulator();

const HELD =
  "not applied: invalid rows in the manifests hold the whole apply back (nothing is written while a row is invalid); fix them, or add --skip-invalid to apply the valid rows";

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path, "utf8"), { columns: true }) as Record<string, string>[];
}

describe("an apply refused for invalid rows", () => {
  it("by the manifest's own rules: every row in the results, a summary in every format, no request", async () => {
    const dir = manifestDir({
      "runs.csv": "clientKey,name,startTime\niv-1,A,\niv-2,B,2024-13-01\niv-3,C,\n",
    });
    emulator().resetStats();
    const results = join(dir, "results.csv");
    const table = await runCli(emulator(), ["apply", dir, "--results", results]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(
      /^Nothing applied: 0 created, 0 updated, 0 unchanged, 1 failed, 2 skipped in \d+\.\d s\. 1 problem in the manifests; nothing was written\.\n$/,
    );
    expect(readCsv(results).map((r) => [r.clientKey, r.action, r.status, r.error])).toEqual([
      ["iv-1", "unplanned", "skipped", HELD],
      [
        "iv-2",
        "invalid",
        "failed",
        expect.stringMatching(/runs\.csv:3 startTime: "2024-13-01" is not an RFC 3339 timestamp/),
      ],
      ["iv-3", "unplanned", "skipped", HELD],
    ]);
    // The problem is told once (with the error), not again per row.
    expect(table.stderr.match(/2024-13-01/g)).toHaveLength(1);
    expect(emulator().stats().total).toBe(0);

    const json = await runCli(emulator(), ["apply", dir, "--format", "json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      created: 0,
      failed: 1,
      skipped: 2,
      error: { code: "MANIFEST", message: "1 problem in the manifests; nothing was written" },
    });
    const markdown = await runCli(emulator(), ["apply", dir, "--format", "markdown"]);
    expect(markdown.stdout).toMatch(/^Nothing applied: .* 1 failed, 2 skipped/);
  });

  it("against Sift (an unknown asset): the runs are planned to tell them apart, nothing is written", async () => {
    const dir = manifestDir({
      "runs.csv": [
        "clientKey,name,assets,startTime,stopTime",
        "is-1,A,,,",
        "is-2,B,nope,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z",
        "is-3,C,,,",
        "",
      ].join("\n"),
    });
    const before = emulator().stats().writes;
    const results = join(dir, "results.jsonl");
    const apply = await runCli(emulator(), ["apply", dir, "--results", results]);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/^Nothing applied: .* 1 failed, 2 skipped/);
    const lines = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.map((l) => [l.clientKey, l.action, l.status, l.error])).toEqual([
      ["is-1", "create", "skipped", HELD],
      ["is-2", "invalid", "failed", expect.stringMatching(/assets: no asset named "nope"/)],
      ["is-3", "create", "skipped", HELD],
    ]);
    expect(emulator().stats().writes).toBe(before);
    // --skip-invalid applies the valid part, as the reason says.
    const skipped = await runCli(emulator(), ["apply", dir, "--skip-invalid"]);
    expect(skipped.code).toBe(1);
    expect(skipped.stdout).toMatch(/^Applied: 2 created, 0 updated, 0 unchanged, 1 failed/);
  });

  it("a file that cannot be read at all lists no rows: they are unknown", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,nmae\nix-1,A\n" });
    const results = join(dir, "results.csv");
    const apply = await runCli(emulator(), ["apply", dir, "--results", results]);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/^Nothing applied: 0 created, .* 0 failed, 0 skipped/);
    expect(readCsv(results)).toEqual([]);
  });
});
