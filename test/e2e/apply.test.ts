import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { type Run, runSchema } from "../../src/sift/schemas.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

const MIXED = `
defaults:
  tags: [nightly]
runs:
  - clientKey: ap-1
    name: Adhoc one
    assets: [stand-a, rig-7]
    startTime: "2024-05-01T10:00:00.123456789+02:00"
    stopTime: "2024-05-01T11:00:00Z"
    metadata: {campaign: c7, altitude_m: 1200, passed: true}
  - clientKey: ap-2
    name: Plain two
    description: no assets
    isPinned: true
    isArchived: true
  - clientKey: ap-3
    name: Three
    tags: [a, b]
`;

/** The runs as the client reads them (the same in `emit` and `omit`). */
function runsByKey(): Map<string, Run> {
  return new Map(
    emulator()
      .runs()
      .map((r) => runSchema.parse(r))
      .filter((r) => r.clientKey?.startsWith("ap-"))
      .map((r) => [r.clientKey!, r]),
  );
}

function entry(key: object, value: object) {
  return expect.objectContaining({ key: expect.objectContaining(key), ...value });
}

describe("apply", () => {
  it("converges a mixed manifest field by field, then a second apply writes nothing", async () => {
    const dir = manifestDir({ "runs.yaml": MIXED });
    const first = await runCli(emulator(), ["apply", dir]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Applied: 3 created, 0 updated, 0 unchanged, 0 failed, 0 skipped/,
    );

    const runs = runsByKey();
    expect(runs.get("ap-1")).toMatchObject({
      name: "Adhoc one",
      isAdhoc: true,
      assetIds: ["asset-a", "asset-7"],
      startTime: "2024-05-01T08:00:00.123456789Z",
      stopTime: "2024-05-01T11:00:00Z",
      tags: ["nightly"],
      // Entries as the API sent them (with `archivedDate: null` in emit mode).
      metadata: expect.arrayContaining([
        entry({ name: "campaign", type: "METADATA_KEY_TYPE_STRING" }, { stringValue: "c7" }),
        entry({ name: "altitude_m", type: "METADATA_KEY_TYPE_NUMBER" }, { numberValue: 1200 }),
        entry({ name: "passed", type: "METADATA_KEY_TYPE_BOOLEAN" }, { booleanValue: true }),
      ]),
    });
    expect(runs.get("ap-2")).toMatchObject({
      name: "Plain two",
      description: "no assets",
      isPinned: true,
      isArchived: true,
    });
    expect(runs.get("ap-2")?.isAdhoc).toBe(false);
    expect(runs.get("ap-3")?.tags?.slice().sort()).toEqual(["a", "b"]);

    emulator().resetStats();
    const second = await runCli(emulator(), ["apply", dir]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Applied: 0 created, 0 updated, 3 unchanged/);
    expect(emulator().stats().writes).toBe(0);
  });

  it("updates only what changed and records every row in the results file", async () => {
    const dir = manifestDir({ "runs.yaml": MIXED });
    await runCli(emulator(), ["apply", dir]);
    const changed = manifestDir({
      "runs.yaml": MIXED.replace("name: Three", "name: Three renamed").replace(
        "isPinned: true",
        "isPinned: false",
      ),
      "more.csv": 'clientKey,name\nap-4,"=HYPERLINK(""x"")"\n',
    });
    const results = join(manifestDir({}), "results.csv");
    emulator().resetStats();
    const { code, stdout } = await runCli(emulator(), ["apply", changed, "--results", results]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Applied: 1 created, 2 updated, 1 unchanged/);
    expect(emulator().stats().requests.UpdateRun).toBe(2);
    const rows = parse(readFileSync(results, "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows.map((r) => [r.clientKey, r.action, r.status, r.updateMask]).sort()).toEqual([
      ["ap-1", "unchanged", "ok", ""],
      ["ap-2", "update", "ok", "isPinned"],
      ["ap-3", "update", "ok", "name"],
      ["ap-4", "create", "ok", ""],
    ]);
    for (const row of rows) expect(row.runId).toMatch(/.+/);
    expect(runsByKey().get("ap-4")?.name).toBe('=HYPERLINK("x")');
  });

  it("writes nothing when any row is invalid against Sift (unknown asset)", async () => {
    const dir = manifestDir({
      "runs.yaml": `
- {clientKey: inv-1, name: Fine}
- {clientKey: inv-2, name: Bad, assets: [ghost], startTime: "2024-01-01T00:00:00Z", stopTime: "2024-01-01T01:00:00Z"}
`,
    });
    emulator().resetStats();
    const { code, stderr } = await runCli(emulator(), ["apply", dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${dir}/runs.yaml:3 assets: no asset named "ghost" exists in Sift`);
    expect(stderr).toContain("nothing was written");
    expect(emulator().stats().writes).toBe(0);
  });

  it("reports a row the API refuses with its message and source, and goes on", async () => {
    // startTime after the run's stopTime: the API refuses the update (400).
    await runCli(emulator(), [
      "apply",
      manifestDir({
        "a.yaml":
          '- {clientKey: bad-1, name: B, startTime: "2024-01-01T00:00:00Z", stopTime: "2024-01-01T01:00:00Z"}',
      }),
    ]);
    const dir = manifestDir({
      "b.yaml": `
- {clientKey: bad-1, startTime: "2024-01-01T02:00:00Z"}
- {clientKey: bad-2, name: Fine}
`,
    });
    const { code, stdout, stderr } = await runCli(emulator(), ["apply", dir]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/1 created, 0 updated, 0 unchanged, 1 failed/);
    expect(stderr).toContain(`bad-1 (${dir}/b.yaml:2)`);
    expect(stderr).toMatch(/\[PATCH \/api\/v2\/runs\] 400/);
  });
});

describe("apply options", () => {
  it("--dry-run is plan: the report, and no writes", async () => {
    const dir = manifestDir({ "runs.yaml": "- {clientKey: dry-1, name: Dry}" });
    emulator().resetStats();
    const { code, stdout } = await runCli(emulator(), [
      "apply",
      dir,
      "--dry-run",
      "--detailed-exitcode",
    ]);
    expect(code).toBe(2);
    expect(stdout).toContain("+ create dry-1");
    expect(emulator().stats().writes).toBe(0);
  });

  it("--fail-fast stops after the first failed row and reports the rest as skipped", async () => {
    await runCli(emulator(), [
      "apply",
      manifestDir({
        "a.yaml":
          '- {clientKey: ff-0, name: F, startTime: "2024-01-01T00:00:00Z", stopTime: "2024-01-01T01:00:00Z"}',
      }),
    ]);
    const rows = Array.from({ length: 40 }, (_, i) => `- {clientKey: ff-${i + 1}, name: N${i}}`);
    const dir = manifestDir({
      // The first row fails (start after the run's stop); the rest would succeed.
      "b.yaml": '- {clientKey: ff-0, startTime: "2024-01-01T02:00:00Z"}\n' + rows.join("\n"),
    });
    const results = join(manifestDir({}), "results.jsonl");
    const { code, stdout, stderr } = await runCli(emulator(), [
      "apply",
      dir,
      "--fail-fast",
      "--concurrency",
      "1",
      "--results",
      results,
    ]);
    expect(code).toBe(1);
    const lines = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string });
    expect(lines.length).toBe(41);
    expect(lines.filter((l) => l.status === "failed").length).toBe(1);
    const skipped = lines.filter((l) => l.status === "skipped").length;
    expect(skipped).toBeGreaterThan(30);
    expect(stdout).toMatch(new RegExp(`1 failed, ${skipped} skipped`));
    // The plan's warning on the first row, the failed row, then one line for all the skipped ones.
    const log = stderr.trim().split("\n");
    const warned = log.filter((l) => l.includes('"level":40'));
    expect(warned).toHaveLength(2);
    expect(warned[0]).toContain("would not be before stopTime");
    expect(stderr).toContain(`${skipped} rows skipped: --fail-fast stopped the apply`);
  });
});

describe("output files beside the manifests", () => {
  it("never reads its own --results file back as a manifest", async () => {
    const dir = manifestDir({ "runs.yaml": "- {clientKey: out-1, name: Out}" });
    const results = join(dir, "results.csv");
    const first = await runCli(emulator(), ["apply", dir, "--results", results]);
    expect(first.code).toBe(0);
    const again = await runCli(emulator(), ["apply", dir, "--results", results]);
    expect(again.stderr).toBe("");
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 1 unchanged/);
  });
});
