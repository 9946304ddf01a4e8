import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
import type { SeedRun, WireRun } from "../../src/emulator/index.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * A source (a test stand) whose runs carry clientKeys `<prefix>-N` and metadata source=<prefix>.
 * Each test uses its own prefix, so the scopes of the tests never overlap.
 */
const emulator = useEmulator();

function seedSource(prefix: string, count: number, extra: SeedRun[] = []): void {
  emulator().load({
    metadataKeys: { source: "string" },
    runs: [
      ...Array.from({ length: count }, (_, i) => ({
        runId: uuidFor(`id-${prefix}-${i + 1}`),
        clientKey: `${prefix}-${i + 1}`,
        name: `${prefix} ${i + 1}`,
        metadata: { source: prefix },
      })),
      ...extra,
    ],
  });
}

/** A manifest holding the source's runs `numbers` (by their N). */
function manifest(prefix: string, numbers: number[], extraColumns = ""): string {
  const rows = numbers.map((n) => `${prefix}-${n},${prefix} ${n}${extraColumns}`);
  return `clientKey,name${extraColumns === "" ? "" : ",isArchived"}\n${rows.join("\n")}\n`;
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

function run(runId: string): WireRun {
  const found = emulator()
    .runs()
    .find((r) => r.runId === runId);
  if (found === undefined) throw new Error(`no run ${runId}`);
  return found;
}

const scopeOf = (prefix: string) => [
  "--archive-missing",
  "--scope",
  `metadata["source"] == '${prefix}'`,
];

describe("--archive-missing --scope CEL", () => {
  it("archives the in-scope runs no manifest holds, and only those; a second run writes nothing", async () => {
    seedSource("ts", 10, [
      // Outside the scope: never touched.
      {
        runId: "7222818d-2ec2-4ef5-882f-ba9f17deeb42",
        clientKey: "other-1",
        name: "Other",
        metadata: { source: "elsewhere" },
      },
      // In the scope, but without a clientKey: no manifest could hold it.
      {
        runId: "98dc9821-6f65-4b0e-887f-2bca9caf01f0",
        name: "By hand",
        metadata: { source: "ts" },
      },
      // In the scope and already archived.
      {
        runId: "eeffd06f-67ba-440f-82db-068a7268f222",
        clientKey: "ts-old",
        name: "Old",
        isArchived: true,
        metadata: { source: "ts" },
      },
    ]);
    const dir = manifestDir({ "runs.csv": manifest("ts", range(1, 9)) });
    const plan = await runCli(emulator(), ["plan", dir, ...scopeOf("ts")]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe(
      '- archive ts-10 (56247b39-cbc8-407c-86f8-b421ae37f20b)\n    name: "ts 10"\n\nPlan: 0 to create, 0 to update, 1 to archive, 9 unchanged, 0 warnings.\n',
    );
    const json = await runCli(emulator(), ["plan", dir, ...scopeOf("ts"), "--format", "json"]);
    const document = JSON.parse(json.stdout);
    expect(document.summary).toMatchObject({ archive: 1, unchanged: 9 });
    expect(document.changes.at(-1)).toEqual({
      clientKey: "ts-10",
      action: "archive",
      source: "",
      warnings: [],
      runId: "56247b39-cbc8-407c-86f8-b421ae37f20b",
      updateMask: ["isArchived"],
      fields: [{ field: "isArchived", before: false, after: true }],
    });
    const markdown = await runCli(emulator(), [
      "plan",
      dir,
      ...scopeOf("ts"),
      "--format",
      "markdown",
    ]);
    expect(markdown.stdout).toContain(
      '| archive | <code>ts-10</code> | _(no manifest)_ | run <code>56247b39-cbc8-407c-86f8-b421ae37f20b</code><br>name: <code>"ts 10"</code> |',
    );

    emulator().resetStats();
    const results = join(manifestDir({}), "results.csv");
    const applied = await runCli(emulator(), [
      "apply",
      dir,
      ...scopeOf("ts"),
      "--results",
      results,
    ]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 0 created, 0 updated, 1 archived, 9 unchanged/);
    expect(emulator().stats().writes).toBe(1);
    expect(run("56247b39-cbc8-407c-86f8-b421ae37f20b").isArchived).toBe(true);
    expect(run("7222818d-2ec2-4ef5-882f-ba9f17deeb42").isArchived).toBeFalsy();
    expect(run("98dc9821-6f65-4b0e-887f-2bca9caf01f0").isArchived).toBeFalsy();
    const rows = parse(readFileSync(results, "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.clientKey === "ts-10")).toEqual({
      clientKey: "ts-10",
      action: "archive",
      status: "ok",
      runId: "56247b39-cbc8-407c-86f8-b421ae37f20b",
      updateMask: "isArchived",
      error: "",
      source: "",
    });

    emulator().resetStats();
    const again = await runCli(emulator(), ["apply", dir, ...scopeOf("ts")]);
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 9 unchanged/);
    expect(emulator().stats().writes).toBe(0);
  });

  it("unarchives an archived run the manifests hold, unless its row manages isArchived or it is out of scope", async () => {
    seedSource("ua", 12, [
      {
        runId: "22f0ece4-0c4a-4def-81f2-5c428f80c75d",
        clientKey: "ua-back",
        name: "ua back",
        isArchived: true,
        metadata: { source: "ua" },
      },
      {
        runId: "e5d5dea5-a828-4178-8574-6f65eed3d817",
        clientKey: "ua-kept",
        name: "ua kept",
        isArchived: true,
        metadata: { source: "ua" },
      },
      {
        runId: "a064a5f4-0816-4973-88b8-0f8f2aaf039d",
        clientKey: "ua-out",
        name: "ua out",
        isArchived: true,
        metadata: { source: "x" },
      },
    ]);
    const dir = manifestDir({
      "runs.csv": manifest("ua", range(1, 12)),
      "more.yaml": [
        "- {clientKey: ua-back, name: ua back}",
        "- {clientKey: ua-kept, name: ua kept, isArchived: true}",
        "- {clientKey: ua-out, name: ua out}",
        "",
      ].join("\n"),
    });
    const plan = await runCli(emulator(), ["plan", dir, ...scopeOf("ua")]);
    expect(plan.stdout).toBe(
      `+ unarchive ua-back (${join(dir, "more.yaml")}:1)\n    isArchived: true → false\n\nPlan: 0 to create, 0 to update, 1 to unarchive, 14 unchanged, 0 warnings.\n`,
    );
    const applied = await runCli(emulator(), ["apply", dir, ...scopeOf("ua")]);
    expect(applied.stdout).toMatch(/^Applied: 0 created, 0 updated, 1 unarchived, 14 unchanged/);
    expect(run("22f0ece4-0c4a-4def-81f2-5c428f80c75d").isArchived).toBeFalsy();
    expect(run("e5d5dea5-a828-4178-8574-6f65eed3d817").isArchived).toBe(true);
    expect(run("a064a5f4-0816-4973-88b8-0f8f2aaf039d").isArchived).toBe(true);
  });

  it("refuses (exit 3, nothing written) more than --max-archive (default 10%) or archiving from empty manifests", async () => {
    seedSource("gd", 10);
    const dir = manifestDir({ "runs.csv": manifest("gd", range(1, 8)) }); // 2 of 10 missing: 20%
    emulator().resetStats();
    const plan = await runCli(emulator(), [
      "plan",
      dir,
      ...scopeOf("gd"),
      "--out",
      join(dir, "p.json"),
    ]);
    expect(plan.code).toBe(3);
    expect(plan.stdout).toContain(`- archive gd-9 (${uuidFor("id-gd-9")})`);
    expect(plan.stderr).toBe(
      "error: --max-archive 10%: this plan would archive 2 of the 10 in-scope runs (20%); nothing was written (check the manifests and --scope, or raise --max-archive)\n",
    );
    const apply = await runCli(emulator(), ["apply", dir, ...scopeOf("gd")]);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain("error: --max-archive 10%: this plan would archive 2 of the 10");
    expect(
      (await runCli(emulator(), ["apply", dir, ...scopeOf("gd"), "--max-archive", "1"])).code,
    ).toBe(3);
    expect(emulator().stats().writes).toBe(0);

    const empty = manifestDir({ "runs.csv": "clientKey,name\n" });
    const refused = await runCli(emulator(), [
      "apply",
      empty,
      ...scopeOf("gd"),
      "--max-archive",
      "100%",
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      "error: the manifests hold no runs, and --archive-missing would archive all 10 in-scope runs; nothing was written",
    );
    expect(emulator().stats().writes).toBe(0);

    const allowed = await runCli(emulator(), [
      "apply",
      dir,
      ...scopeOf("gd"),
      "--max-archive",
      "20%",
    ]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^Applied: 0 created, 0 updated, 2 archived, 8 unchanged/);
    expect(run(uuidFor("id-gd-9")).isArchived).toBe(true);
    expect(run(uuidFor("id-gd-10")).isArchived).toBe(true);
    const wiped = await runCli(emulator(), [
      "apply",
      empty,
      ...scopeOf("gd"),
      "--max-archive",
      "100%",
      "--allow-empty",
    ]);
    expect(wiped.code).toBe(0);
    expect(wiped.stdout).toMatch(/^Applied: 0 created, 0 updated, 8 archived/);
  });

  it("with --shard K/N archives only the in-scope runs of that shard", async () => {
    seedSource("sh", 40);
    const dir = manifestDir({ "runs.csv": manifest("sh", range(1, 30)) });
    const archived = new Set<string>();
    for (const shard of ["1/2", "2/2"]) {
      const json = await runCli(emulator(), [
        "plan",
        dir,
        ...scopeOf("sh"),
        "--max-archive",
        "100%",
        "--shard",
        shard,
        "--format",
        "json",
      ]);
      const keys = (JSON.parse(json.stdout).changes as { action: string; clientKey: string }[])
        .filter((c) => c.action === "archive")
        .map((c) => c.clientKey);
      expect(keys.length).toBeLessThan(10);
      for (const key of keys) {
        expect(archived.has(key)).toBe(false);
        archived.add(key);
      }
    }
    expect([...archived].sort()).toEqual(
      range(31, 40)
        .map((n) => `sh-${n}`)
        .sort(),
    );
  });

  it("is a usage error without --scope, and a scope the API refuses stops before any write", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nu-1,U\n" });
    const missing = await runCli(emulator(), ["apply", dir, "--archive-missing"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: --archive-missing needs --scope CEL");
    const stray = await runCli(emulator(), ["plan", dir, "--scope", "name == 'x'"]);
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain("error: --scope only apply with --archive-missing");
    emulator().resetStats();
    const bad = await runCli(emulator(), ["apply", dir, "--archive-missing", "--scope", "name =="]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --scope "name ==": /);
    expect(emulator().stats().writes).toBe(0);
    expect(emulator().stats().requests.ListRuns).toBe(0);
  });
});

describe("an apply stopped before its archives", () => {
  it("lists each archive it never reached as skipped in the results and the summary", async () => {
    seedSource("st", 10);
    // st-0 fails (start after its stop) and --fail-fast stops there; the renames after it are
    // not all reached, nor is the archive of st-10, which comes last.
    emulator().load({
      runs: [
        {
          runId: "652a6ede-3613-4bd6-8226-bc3790b8286a",
          clientKey: "st-0",
          name: "st 0",
          startTime: "2024-01-01T00:00:00Z",
          stopTime: "2024-01-01T01:00:00Z",
          metadata: { source: "st" },
        },
      ],
    });
    const rows = range(1, 9).map((n) => `st-${n},st ${n} renamed,`);
    const dir = manifestDir({
      "runs.csv": `clientKey,name,startTime\nst-0,st 0,2024-01-01T02:00:00Z\n${rows.join("\n")}\n`,
    });
    const results = join(manifestDir({}), "results.csv");
    const applied = await runCli(emulator(), [
      "apply",
      dir,
      ...scopeOf("st"),
      "--max-archive",
      "50%",
      "--fail-fast",
      "--concurrency",
      "1",
      "--results",
      results,
    ]);
    expect(applied.code).toBe(1);
    const lines = parse(readFileSync(results, "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(lines).toHaveLength(11); // 10 manifest rows and 1 archive
    const archive = lines.find((l) => l.clientKey === "st-10");
    expect(archive).toMatchObject({ action: "archive", status: "skipped" });
    expect(run(uuidFor("id-st-10")).isArchived).toBeFalsy();
    const skipped = lines.filter((l) => l.status === "skipped").length;
    expect(applied.stdout).toContain(`1 failed, ${skipped} skipped`);
  });
});

describe("a saved plan with archives", () => {
  it("applies them exactly, and skips one whose run changed since the plan", async () => {
    seedSource("sp", 10);
    const dir = manifestDir({ "runs.csv": manifest("sp", range(1, 8)) });
    const planFile = join(manifestDir({}), "plan.json");
    const planned = await runCli(emulator(), [
      "plan",
      dir,
      ...scopeOf("sp"),
      "--max-archive",
      "2",
      "--out",
      planFile,
    ]);
    expect(planned.code).toBe(0);
    const saved = JSON.parse(readFileSync(planFile, "utf8"));
    expect(saved.version).toBe(2);
    expect(saved.options).toMatchObject({ archiveScope: `metadata["source"] == 'sp'` });
    expect(saved.changes.filter((c: { action: string }) => c.action === "archive")).toHaveLength(2);
    // sp-10 is renamed after the review: its archive is stale.
    await runCli(emulator(), [
      "apply",
      manifestDir({ "r.csv": "clientKey,name\nsp-10,renamed\n" }),
    ]);
    const applied = await runCli(emulator(), ["apply", "--plan", planFile]);
    expect(applied.stdout).toMatch(
      /^Applied: 0 created, 0 updated, 1 archived, 8 unchanged, 0 failed, 1 skipped/,
    );
    expect(applied.stderr).toContain(
      "archive skipped: the run changed in Sift after the plan was made",
    );
    expect(run(uuidFor("id-sp-9")).isArchived).toBe(true);
    expect(run(uuidFor("id-sp-10")).isArchived).toBeFalsy();
  });
});
