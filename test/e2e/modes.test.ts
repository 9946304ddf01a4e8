import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { manifestDir, planJson, runCli, SEED } from "./harness.js";

/** `--mode upsert|create-only|update-only`, as Data Loader's upsert / insert / update. */

const SEEDED = [
  { clientKey: "m-1", name: "Old name", tags: ["a"] },
  { clientKey: "m-3", name: "Same" },
];
const MANIFEST = `clientKey,name,tags
m-1,New name,a;b
m-2,Brand new,
m-3,Same,
`;
// No name: it cannot be created, but update-only never would create it anyway.
const NAMELESS = `clientKey,tags\nm-9,x\n`;

async function withEmulator(body: (e: Awaited<ReturnType<typeof startEmulator>>) => Promise<void>) {
  const emulator = await startEmulator({ port: 0, seed: { ...SEED, runs: SEEDED } });
  try {
    await body(emulator);
  } finally {
    await emulator.close();
  }
}

const byKey = (e: Awaited<ReturnType<typeof startEmulator>>, key: string) =>
  e.runs().find((r) => r.clientKey === key);

describe("--mode create-only", () => {
  it("plans creates only; an existing run that differs is unchanged, with a note saying what differs", async () => {
    await withEmulator(async (emulator) => {
      const dir = manifestDir({ "runs.csv": MANIFEST });
      const { plan } = await planJson(emulator, [dir, "--mode", "create-only"]);
      expect(plan.changes.map((c) => [c.clientKey, c.action])).toEqual([
        ["m-1", "unchanged"],
        ["m-2", "create"],
        ["m-3", "unchanged"],
      ]);
      expect(plan.changes[0]!.warnings).toEqual([
        "differs from Sift (name, tags); --mode create-only leaves existing runs as they are",
      ]);
      expect(plan.changes[2]!.warnings).toEqual([]);
      const table = await runCli(emulator, ["plan", dir, "--mode", "create-only"]);
      expect(table.stdout).toContain("= unchanged m-1 (");
      expect(table.stdout).toContain("! differs from Sift (name, tags)");
    });
  });

  it("applies creates only and never touches an existing run", async () => {
    await withEmulator(async (emulator) => {
      const dir = manifestDir({ "runs.csv": MANIFEST });
      const before = byKey(emulator, "m-1")!;
      const result = await runCli(emulator, ["apply", dir, "--mode", "create-only"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        /^Applied: 1 created, 0 updated, 2 unchanged, 0 failed, 0 skipped/,
      );
      expect(byKey(emulator, "m-1")).toEqual(before);
      expect(byKey(emulator, "m-2")?.name).toBe("Brand new");
    });
  });
});

describe("--mode update-only", () => {
  it("plans no creates: such rows are skipped with the reason, in the table, Markdown and JSON", async () => {
    await withEmulator(async (emulator) => {
      const dir = manifestDir({ "runs.csv": MANIFEST, "more.csv": NAMELESS });
      const { plan } = await planJson(emulator, [dir, "--mode", "update-only"]);
      expect(plan.changes.map((c) => [c.clientKey, c.action])).toEqual([
        ["m-9", "skip"],
        ["m-1", "update"],
        ["m-2", "skip"],
        ["m-3", "unchanged"],
      ]);
      const reason = "no run has this clientKey, and --mode update-only never creates one";
      expect(plan.changes[2]).toMatchObject({
        action: "skip",
        reason,
        source: expect.stringMatching(/runs.csv:3$/),
      });
      expect(plan.summary).toMatchObject({
        create: 0,
        update: 1,
        unchanged: 1,
        skip: 2,
        invalid: 0,
      });

      const table = await runCli(emulator, ["plan", dir, "--mode", "update-only"]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`- skip m-2 (`);
      expect(table.stdout).toContain(reason);
      expect(table.stdout).toMatch(
        /Plan: 0 to create, 1 to update, 1 unchanged, 0 warnings, 2 skipped\./,
      );
      const markdown = await runCli(emulator, [
        "plan",
        dir,
        "--mode",
        "update-only",
        "--format",
        "markdown",
      ]);
      expect(markdown.stdout).toMatch(
        /\| skip \| <code>m-2<\/code> \| <code>\S*runs.csv:3<\/code> \| no run has this clientKey/,
      );
    });
  });

  it("applies updates only; skipped rows are in the results file and the summary", async () => {
    await withEmulator(async (emulator) => {
      const dir = manifestDir({ "runs.csv": MANIFEST });
      const results = join(manifestDir({}), "results.csv");
      const result = await runCli(emulator, [
        "apply",
        dir,
        "--mode",
        "update-only",
        "--results",
        results,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        /^Applied: 0 created, 1 updated, 1 unchanged, 0 failed, 1 skipped/,
      );
      expect(byKey(emulator, "m-2")).toBeUndefined();
      expect(byKey(emulator, "m-1")).toMatchObject({ name: "New name", tags: ["a", "b"] });
      const rows = parse(readFileSync(results, "utf8"), { columns: true }) as Record<
        string,
        string
      >[];
      expect(rows.find((r) => r.clientKey === "m-2")).toMatchObject({
        action: "skip",
        status: "skipped",
        error: "no run has this clientKey, and --mode update-only never creates one",
      });
    });
  });

  it("a saved plan keeps its skipped rows and reports them when applied", async () => {
    await withEmulator(async (emulator) => {
      const dir = manifestDir({ "runs.csv": MANIFEST });
      const planFile = join(manifestDir({}), "plan.json");
      const planned = await runCli(emulator, [
        "plan",
        dir,
        "--mode",
        "update-only",
        "--out",
        planFile,
      ]);
      expect(planned.code, planned.stderr).toBe(0);
      const saved = JSON.parse(readFileSync(planFile, "utf8"));
      expect(saved.options.mode).toBe("update-only");
      const applied = await runCli(emulator, ["apply", "--plan", planFile, "--format", "json"]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({ created: 0, updated: 1, skipped: 1 });
      expect(byKey(emulator, "m-2")).toBeUndefined();
    });
  });
});

describe("--mode upsert (the default)", () => {
  it("creates and updates", async () => {
    await withEmulator(async (emulator) => {
      const dir = manifestDir({ "runs.csv": MANIFEST });
      const { plan } = await planJson(emulator, [dir]);
      expect(plan.changes.map((c) => c.action)).toEqual(["update", "create", "unchanged"]);
      const bad = await runCli(emulator, ["plan", dir, "--mode", "insert"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/Allowed choices are upsert, create-only, update-only/);
    });
  });
});

describe("--mode and adoption (a row's runId names a run without a clientKey)", () => {
  const ADOPTABLE = `clientKey,runId,name\nadopt-1,1d4ad20a-4243-436a-899c-595d9c61c4f2,Made by hand\n`;

  async function withKeyless(
    body: (e: Awaited<ReturnType<typeof startEmulator>>) => Promise<void>,
  ) {
    const emulator = await startEmulator({
      port: 0,
      seed: {
        ...SEED,
        runs: [{ runId: "1d4ad20a-4243-436a-899c-595d9c61c4f2", name: "Made by hand" }],
      },
    });
    try {
      await body(emulator);
    } finally {
      await emulator.close();
    }
  }

  it("create-only never adopts: the run is left as it is, with a note", async () => {
    await withKeyless(async (emulator) => {
      const dir = manifestDir({ "runs.csv": ADOPTABLE });
      const { plan } = await planJson(emulator, [dir, "--mode", "create-only"]);
      expect(plan.changes).toMatchObject([
        {
          clientKey: "adopt-1",
          action: "unchanged",
          runId: "1d4ad20a-4243-436a-899c-595d9c61c4f2",
        },
      ]);
      expect(plan.changes[0]!.warnings[0]).toMatch(
        /--mode create-only leaves existing runs as they are/,
      );
      const applied = await runCli(emulator, ["apply", dir, "--mode", "create-only"]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(emulator.runs()[0]!.clientKey).toBeUndefined();
    });
  });

  it("update-only adopts (an adoption updates an existing run)", async () => {
    await withKeyless(async (emulator) => {
      const dir = manifestDir({ "runs.csv": ADOPTABLE });
      const applied = await runCli(emulator, ["apply", dir, "--mode", "update-only"]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(emulator.runs()[0]!.clientKey).toBe("adopt-1");
    });
  });
});

describe("--mode create-only and --archive-missing", () => {
  it("cannot go together: archiving changes existing runs", async () => {
    await withEmulator(async (emulator) => {
      const dir = manifestDir({ "runs.csv": MANIFEST });
      const args = [dir, "--mode", "create-only", "--archive-missing", "--scope", "name != ''"];
      for (const command of ["plan", "apply"]) {
        const result = await runCli(emulator, [command, ...args]);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(
          /--archive-missing archives existing runs, and --mode create-only never changes one/,
        );
      }
      expect(byKey(emulator, "m-2")).toBeUndefined();
    });
  });
});
