import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
        { runId: "id-adopt-1", name: "Hand made", tags: ["x"] },
        { runId: "id-adopt-2", name: "Same" },
      ],
    });
    const dir = manifestDir({
      "runs.csv": "clientKey,runId,name,tags\nad-1,id-adopt-1,Renamed,x\nad-2,id-adopt-2,Same,\n",
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.summary).toMatchObject({ adopt: 2, create: 0, update: 0 });
    expect(plan.changes).toEqual([
      expect.objectContaining({
        clientKey: "ad-1",
        action: "adopt",
        runId: "id-adopt-1",
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
      `~ adopt ad-1 (${join(dir, "runs.csv")}:2) run id-adopt-1, found by runId\n    clientKey: (none) → "ad-1"\n    name: "Hand made" → "Renamed"\n`,
    );
    expect(table.stdout).toContain("Plan: 0 to create, 0 to update, 2 to adopt, 0 unchanged");

    emulator().resetStats();
    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 0 created, 0 updated, 2 adopted, 0 unchanged/);
    expect(emulator().stats().requests.UpdateRun).toBe(2);
    expect(emulator().stats().requests.CreateRun).toBe(0);
    expect(runById("id-adopt-1")).toMatchObject({ clientKey: "ad-1", name: "Renamed" });
    expect(runById("id-adopt-2")).toMatchObject({ clientKey: "ad-2", name: "Same" });

    emulator().resetStats();
    const again = await runCli(emulator(), ["apply", dir]);
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 2 unchanged/);
    expect(emulator().stats().writes).toBe(0);
  });

  it("refuses a runId whose run has another clientKey, naming both, and one that disagrees with the clientKey's run", async () => {
    emulator().load({
      runs: [
        { runId: "id-owned", clientKey: "owner-1", name: "Owned" },
        { runId: "id-free", name: "Free" },
      ],
    });
    const dir = manifestDir({
      "runs.yaml": [
        "- {clientKey: thief-1, runId: id-owned, name: X}",
        "- {clientKey: owner-1, runId: id-free}",
        "- {clientKey: ghost-1, runId: id-nowhere, name: G}",
        "- {clientKey: owner-1b, runId: id-free, name: Free}",
        "",
      ].join("\n"),
    });
    const { code, plan } = await runPlanJson(dir, []);
    expect(code).toBe(1);
    const file = join(dir, "runs.yaml");
    expect(plan.changes.map((c) => c.problems ?? c.action)).toEqual([
      [
        `${file}:1 runId: run id-owned has clientKey "owner-1", not "thief-1" (a clientKey cannot be changed once set)`,
      ],
      [`${file}:2 runId: id-free is not the run of clientKey "owner-1": that is run id-owned`],
      [`${file}:3 runId: no run id-nowhere exists in Sift`],
      "adopt",
    ]);
    emulator().resetStats();
    expect((await runCli(emulator(), ["apply", dir])).code).toBe(1);
    // Only the valid row was written: the one that adopts id-free.
    expect(emulator().stats().writes).toBe(1);
    expect(runById("id-free")).toMatchObject({ clientKey: "owner-1b" });
    expect(runById("id-owned")).toMatchObject({ clientKey: "owner-1", name: "Owned" });
  });

  it("a row whose clientKey exists is an update, its runId agreeing", async () => {
    emulator().load({ runs: [{ runId: "id-known", clientKey: "known-1", name: "Before" }] });
    const dir = manifestDir({ "runs.csv": "clientKey,runId,name\nknown-1,id-known,After\n" });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes[0]).toMatchObject({
      action: "update",
      runId: "id-known",
      updateMask: ["name"],
    });
  });
});

describe("--adopt-by FIELD,...", () => {
  it("adopts the one run without a clientKey that agrees, refuses several, creates when none", async () => {
    emulator().load({
      runs: [
        { runId: "id-hf-1", name: "Hot fire 1", startTime: "2024-02-01T10:00:00Z" },
        // Same name, another start: --adopt-by name,startTime tells them apart.
        { runId: "id-hf-1b", name: "Hot fire 1", startTime: "2024-02-02T10:00:00Z" },
        { runId: "id-hf-2a", name: "Hot fire 2", startTime: "2024-02-03T10:00:00Z" },
        { runId: "id-hf-2b", name: "Hot fire 2", startTime: "2024-02-03T10:00:00Z" },
        // Agrees, but already has a clientKey: never adopted.
        {
          runId: "id-hf-3",
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
      ["hf-1", "adopt", "id-hf-1"],
      ["hf-2", "invalid", undefined],
      ["hf-3", "create", undefined],
    ]);
    expect(plan.changes[0]).toMatchObject({
      adoptedBy: "name,startTime",
      updateMask: ["clientKey", "stopTime"],
    });
    expect(plan.changes[1]!.problems).toEqual([
      `${join(dir, "runs.csv")}:3 --adopt-by name,startTime: 2 runs without a clientKey match (id-hf-2a, id-hf-2b); add a runId column to choose one`,
    ]);
    // Batched: one clientKey lookup, one `client_key == null && name in [...]`, no more.
    expect(emulator().stats().requests.ListRuns).toBe(2);
  });

  it("never lets two rows adopt the same run", async () => {
    emulator().load({ runs: [{ runId: "id-twin", name: "Twin", metadata: { campaign: "c-t" } }] });
    const dir = manifestDir({
      "runs.csv": "clientKey,name,metadata.campaign\ntw-1,Twin,c-t\ntw-2,Twin,c-t\n",
    });
    const { plan } = await runPlanJson(dir, ["--adopt-by", "metadata.campaign"]);
    expect(plan.changes.map((c) => c.action)).toEqual(["adopt", "invalid"]);
    expect(plan.changes[1]!.problems).toEqual([
      `${join(dir, "runs.csv")}:3 run id-twin is already adopted by ${join(dir, "runs.csv")}:2 (two rows cannot adopt one run)`,
    ]);
  });

  it("applies, then a second run writes nothing; lookups stay batched over many rows", async () => {
    const count = 300;
    emulator().load({
      runs: Array.from({ length: count }, (_, i) => ({ runId: `id-bulk-${i}`, name: `Bulk ${i}` })),
    });
    const rows = Array.from({ length: count }, (_, i) => `bulk-${i},Bulk ${i}`);
    const dir = manifestDir({ "runs.csv": `clientKey,name\n${rows.join("\n")}\n` });
    emulator().resetStats();
    const applied = await runCli(emulator(), ["apply", dir, "--adopt-by", "name"]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`^Applied: 0 created, 0 updated, ${count} adopted`));
    expect(emulator().stats().requests.ListRuns).toBeLessThanOrEqual(4);
    expect(runById("id-bulk-7")).toMatchObject({ clientKey: "bulk-7" });
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
        { runId: "id-saved-1", name: "S1" },
        { runId: "id-saved-2", name: "S2" },
      ],
    });
    const dir = manifestDir({
      "runs.csv": "clientKey,runId,name\nsv-1,id-saved-1,S1 new\nsv-2,id-saved-2,S2 new\n",
    });
    const planFile = join(dir, "plan.json");
    const planned = await runCli(emulator(), ["plan", dir, "--out", planFile]);
    expect(planned.code).toBe(0);
    // Someone adopts sv-2's run by hand after the review.
    await runCli(emulator(), [
      "apply",
      manifestDir({ "h.csv": "clientKey,runId\nhand-2,id-saved-2\n" }),
    ]);
    const applied = await runCli(emulator(), ["apply", "--plan", planFile]);
    expect(applied.stdout).toMatch(
      /^Applied: 0 created, 0 updated, 1 adopted, 0 unchanged, 0 failed, 1 skipped/,
    );
    expect(applied.stderr).toContain(
      'adopt skipped: the run was given clientKey \\"hand-2\\" after the plan was made',
    );
    expect(runById("id-saved-1")).toMatchObject({ clientKey: "sv-1", name: "S1 new" });
    expect(runById("id-saved-2")).toMatchObject({ clientKey: "hand-2", name: "S2" });
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
