import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
import type { WireRun } from "../../src/emulator/index.js";
import { manifestDir, type PlanJson, planJson, runCli, useEmulator } from "./harness.js";

type AdoptEntry = PlanJson["changes"][number] & { adoptedBy?: string; problems?: string[] };

/** Runs made by hand or by ingestion: no clientKey. Each test seeds its own, with its own ids. */
const emulator = useEmulator();

function runById(runId: string): WireRun | undefined {
  return emulator()
    .runs()
    .find((r) => r.runId === runId);
}

describe("adopting a run that has no clientKey, by the row's runId", () => {
  it("plans one UpdateRun whose mask holds clientKey and the fields that differ, then nothing", async () => {
    emulator().load({
      runs: [
        { runId: "42f3384b-68d0-495e-8672-38d4c7afe9f9", name: "Hand made", tags: ["x"] },
        { runId: "39b0b6b7-4e9d-41f5-8bbe-bbe425177ed8", name: "Same" },
      ],
    });
    const dir = manifestDir({
      "runs.csv":
        "clientKey,runId,name,tags\nad-1,42f3384b-68d0-495e-8672-38d4c7afe9f9,Renamed,x\nad-2,39b0b6b7-4e9d-41f5-8bbe-bbe425177ed8,Same,\n",
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.summary).toMatchObject({ adopt: 2, create: 0, update: 0 });
    expect(plan.changes).toEqual([
      expect.objectContaining({
        clientKey: "ad-1",
        action: "adopt",
        runId: "42f3384b-68d0-495e-8672-38d4c7afe9f9",
        adoptedBy: "runId",
        updateMask: ["clientKey", "name"],
        fields: [
          { field: "clientKey", before: null, after: "ad-1" },
          { field: "name", before: "Hand made", after: "Renamed" },
        ],
      }),
      expect.objectContaining({ clientKey: "ad-2", action: "adopt", updateMask: ["clientKey"] }),
    ]);
    const table = await runCli(emulator(), ["plan", dir]);
    expect(table.stdout).toContain(
      `~ adopt ad-1 (${join(dir, "runs.csv")}:2) run 42f3384b-68d0-495e-8672-38d4c7afe9f9, found by runId\n    clientKey: (none) → "ad-1"\n    name: "Hand made" → "Renamed"\n`,
    );
    expect(table.stdout).toContain("Plan: 0 to create, 0 to update, 2 to adopt, 0 unchanged");

    emulator().resetStats();
    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 0 created, 0 updated, 2 adopted, 0 unchanged/);
    expect(emulator().stats().requests.UpdateRun).toBe(2);
    expect(emulator().stats().requests.CreateRun).toBe(0);
    expect(runById("42f3384b-68d0-495e-8672-38d4c7afe9f9")).toMatchObject({
      clientKey: "ad-1",
      name: "Renamed",
    });
    expect(runById("39b0b6b7-4e9d-41f5-8bbe-bbe425177ed8")).toMatchObject({
      clientKey: "ad-2",
      name: "Same",
    });

    emulator().resetStats();
    const again = await runCli(emulator(), ["apply", dir]);
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 2 unchanged/);
    expect(emulator().stats().writes).toBe(0);
  });

  it("refuses a runId whose run has another clientKey, naming both, and one that disagrees with the clientKey's run", async () => {
    emulator().load({
      runs: [
        { runId: "8524bf3b-aeba-4306-804d-83b8ce1d7860", clientKey: "owner-1", name: "Owned" },
        { runId: "357b1a32-e4c6-4c25-8cd2-ad3aa54f5e1c", name: "Free" },
      ],
    });
    const dir = manifestDir({
      "runs.yaml": [
        "- {clientKey: thief-1, runId: 8524bf3b-aeba-4306-804d-83b8ce1d7860, name: X}",
        "- {clientKey: owner-1, runId: 357b1a32-e4c6-4c25-8cd2-ad3aa54f5e1c}",
        "- {clientKey: ghost-1, runId: 00000000-0000-4000-8000-00000000dead, name: G}",
        "- {clientKey: owner-1b, runId: 357b1a32-e4c6-4c25-8cd2-ad3aa54f5e1c, name: Free}",
        "",
      ].join("\n"),
    });
    const { code, plan } = await runPlanJson(dir, []);
    expect(code).toBe(1);
    const file = join(dir, "runs.yaml");
    expect(plan.changes.map((c) => c.problems ?? c.action)).toEqual([
      [
        `${file}:1 runId: run 8524bf3b-aeba-4306-804d-83b8ce1d7860 has clientKey "owner-1", not "thief-1" (a clientKey cannot be changed once set)`,
      ],
      [
        `${file}:2 runId: 357b1a32-e4c6-4c25-8cd2-ad3aa54f5e1c is not the run of clientKey "owner-1": that is run 8524bf3b-aeba-4306-804d-83b8ce1d7860`,
      ],
      [`${file}:3 runId: no run 00000000-0000-4000-8000-00000000dead exists in Sift`],
      "adopt",
    ]);
    emulator().resetStats();
    expect((await runCli(emulator(), ["apply", dir])).code).toBe(1);
    // Only the valid row was written: the one that adopts 357b1a32-e4c6-4c25-8cd2-ad3aa54f5e1c.
    expect(emulator().stats().writes).toBe(1);
    expect(runById("357b1a32-e4c6-4c25-8cd2-ad3aa54f5e1c")).toMatchObject({
      clientKey: "owner-1b",
    });
    expect(runById("8524bf3b-aeba-4306-804d-83b8ce1d7860")).toMatchObject({
      clientKey: "owner-1",
      name: "Owned",
    });
  });

  it("a row whose clientKey exists is an update, its runId agreeing", async () => {
    emulator().load({
      runs: [
        { runId: "383a026f-3c26-405d-818e-10843753da4a", clientKey: "known-1", name: "Before" },
      ],
    });
    const dir = manifestDir({
      "runs.csv": "clientKey,runId,name\nknown-1,383a026f-3c26-405d-818e-10843753da4a,After\n",
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes[0]).toMatchObject({
      action: "update",
      runId: "383a026f-3c26-405d-818e-10843753da4a",
      updateMask: ["name"],
    });
  });
});

describe("--adopt-by FIELD,...", () => {
  it("adopts the one run without a clientKey that agrees, refuses several, creates when none", async () => {
    emulator().load({
      runs: [
        {
          runId: "9b520a61-f7e7-4ec1-8c03-b9f7f25f044f",
          name: "Hot fire 1",
          startTime: "2024-02-01T10:00:00Z",
        },
        // Same name, another start: --adopt-by name,startTime tells them apart.
        {
          runId: "5a2de664-b424-4da7-8c60-33140ed511bd",
          name: "Hot fire 1",
          startTime: "2024-02-02T10:00:00Z",
        },
        {
          runId: "229c2b0e-9046-4329-894c-1e03653fa797",
          name: "Hot fire 2",
          startTime: "2024-02-03T10:00:00Z",
        },
        {
          runId: "cd521ced-7118-4fe7-879c-2d77a484fc97",
          name: "Hot fire 2",
          startTime: "2024-02-03T10:00:00Z",
        },
        // Agrees, but already has a clientKey: never adopted.
        {
          runId: "5c416b6e-0687-4d67-8f2e-7ba2704c7a88",
          clientKey: "legacy-3",
          name: "Hot fire 3",
          startTime: "2024-02-04T10:00:00Z",
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv": [
        "clientKey,name,startTime,stopTime",
        "hf-1,Hot fire 1,2024-02-01T11:00:00+01:00,2024-02-01T10:30:00Z",
        "hf-2,Hot fire 2,2024-02-03T10:00:00Z,",
        "hf-3,Hot fire 3,2024-02-04T10:00:00Z,",
        "",
      ].join("\n"),
    });
    emulator().resetStats();
    const { plan, code } = await runPlanJson(dir, [
      "--adopt-by",
      "name,startTime",
      "--no-cache", // counts the lookups alone
    ]);
    expect(code).toBe(1); // hf-2 is invalid
    expect(plan.changes.map((c) => [c.clientKey, c.action, c.runId])).toEqual([
      ["hf-1", "adopt", "9b520a61-f7e7-4ec1-8c03-b9f7f25f044f"],
      ["hf-2", "invalid", undefined],
      ["hf-3", "create", undefined],
    ]);
    expect(plan.changes[0]).toMatchObject({
      adoptedBy: "name,startTime",
      updateMask: ["clientKey", "stopTime"],
    });
    expect(plan.changes[1]!.problems).toEqual([
      `${join(dir, "runs.csv")}:3 --adopt-by name,startTime: 2 runs without a clientKey match (229c2b0e-9046-4329-894c-1e03653fa797, cd521ced-7118-4fe7-879c-2d77a484fc97); add a runId column to choose one`,
    ]);
    // Batched: one clientKey lookup, one `client_key == null && name in [...]`, no more.
    expect(emulator().stats().requests.ListRuns).toBe(2);
  });

  it("never lets two rows adopt the same run", async () => {
    emulator().load({
      runs: [
        {
          runId: "317bece5-e002-4639-8307-b05accd0cee1",
          name: "Twin",
          metadata: { campaign: "c-t" },
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv": "clientKey,name,metadata.campaign\ntw-1,Twin,c-t\ntw-2,Twin,c-t\n",
    });
    const { plan } = await runPlanJson(dir, ["--adopt-by", "metadata.campaign"]);
    expect(plan.changes.map((c) => c.action)).toEqual(["adopt", "invalid"]);
    expect(plan.changes[1]!.problems).toEqual([
      `${join(dir, "runs.csv")}:3 run 317bece5-e002-4639-8307-b05accd0cee1 is already adopted by ${join(dir, "runs.csv")}:2 (two rows cannot adopt one run)`,
    ]);
  });

  it("applies, then a second run writes nothing; lookups stay batched over many rows", async () => {
    const count = 300;
    emulator().load({
      runs: Array.from({ length: count }, (_, i) => ({
        runId: uuidFor(`id-bulk-${i}`),
        name: `Bulk ${i}`,
      })),
    });
    const rows = Array.from({ length: count }, (_, i) => `bulk-${i},Bulk ${i}`);
    const dir = manifestDir({ "runs.csv": `clientKey,name\n${rows.join("\n")}\n` });
    emulator().resetStats();
    const applied = await runCli(emulator(), ["apply", dir, "--adopt-by", "name"]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`^Applied: 0 created, 0 updated, ${count} adopted`));
    expect(emulator().stats().requests.ListRuns).toBeLessThanOrEqual(4);
    expect(runById(uuidFor("id-bulk-7"))).toMatchObject({ clientKey: "bulk-7" });
    emulator().resetStats();
    const again = await runCli(emulator(), ["apply", dir, "--adopt-by", "name"]);
    expect(again.stdout).toMatch(new RegExp(`^Applied: 0 created, 0 updated, ${count} unchanged`));
    expect(emulator().stats().writes).toBe(0);
  });

  it("refuses an unknown field", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nu-1,U\n" });
    const result = await runCli(emulator(), ["plan", dir, "--adopt-by", "name,colour"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: --adopt-by: unknown field "colour" (expected some of name, startTime, stopTime, metadata.<key>)',
    );
  });
});

describe("a saved plan with adoptions", () => {
  it("applies them exactly, and skips one whose run changed since the plan", async () => {
    emulator().load({
      runs: [
        { runId: "7f67d520-296a-4fc7-8243-8ba4434e4882", name: "S1" },
        { runId: "d42f29bc-4a2f-4143-831f-1998c1eb5290", name: "S2" },
      ],
    });
    const dir = manifestDir({
      "runs.csv":
        "clientKey,runId,name\nsv-1,7f67d520-296a-4fc7-8243-8ba4434e4882,S1 new\nsv-2,d42f29bc-4a2f-4143-831f-1998c1eb5290,S2 new\n",
    });
    const planFile = join(dir, "plan.json");
    const planned = await runCli(emulator(), ["plan", dir, "--out", planFile]);
    expect(planned.code).toBe(0);
    // Someone adopts sv-2's run by hand after the review.
    await runCli(emulator(), [
      "apply",
      manifestDir({ "h.csv": "clientKey,runId\nhand-2,d42f29bc-4a2f-4143-831f-1998c1eb5290\n" }),
    ]);
    const applied = await runCli(emulator(), ["apply", "--plan", planFile]);
    expect(applied.stdout).toMatch(
      /^Applied: 0 created, 0 updated, 1 adopted, 0 unchanged, 0 failed, 1 skipped/,
    );
    expect(applied.stderr).toContain(
      'adopt skipped: the run was given clientKey \\"hand-2\\" after the plan was made',
    );
    expect(runById("7f67d520-296a-4fc7-8243-8ba4434e4882")).toMatchObject({
      clientKey: "sv-1",
      name: "S1 new",
    });
    expect(runById("d42f29bc-4a2f-4143-831f-1998c1eb5290")).toMatchObject({
      clientKey: "hand-2",
      name: "S2",
    });
  });
});

async function runPlanJson(dir: string, extra: string[]) {
  const result = await runCli(emulator(), ["plan", dir, "--format", "json", ...extra]);
  return {
    code: result.code,
    stderr: result.stderr,
    plan: JSON.parse(result.stdout) as Omit<PlanJson, "changes"> & { changes: AdoptEntry[] },
  };
}
