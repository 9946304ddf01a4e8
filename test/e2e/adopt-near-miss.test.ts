import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
import { manifestDir, type PlanJson, runCli, useEmulator } from "./harness.js";

type Entry = PlanJson["changes"][number] & { adoptedBy?: string; problems?: string[] };

/**
 * `--adopt-by` near misses and tolerances (issue 20): a row that would be created although a
 * run without a clientKey agrees on some of the fields is warned about in every report format
 * and in the log (a second run is never made silently); `startTime~10m` adopts within a
 * tolerance, and never guesses between two candidates.
 */
const emulator = useEmulator();

let seeded = 0;

/**
 * A run made by hand, 5 minutes after the row's start; each test seeds its own (`tag`), on a
 * day of its own (the emulator is shared by the file's tests).
 */
function seedTv(tag: string) {
  const runId = uuidFor(`near-miss-${tag}`);
  const name = `Thermal vacuum ${tag}`;
  const day = `2024-04-${String(++seeded).padStart(2, "0")}`;
  emulator().load({ runs: [{ runId, name, startTime: `${day}T14:35:00Z` }] });
  const dir = manifestDir({
    "runs.csv": `clientKey,name,startTime\ntv-${tag},${name},${day}T14:30:00Z\n`,
  });
  const warning =
    `--adopt-by name,startTime: no run without a clientKey agrees on every field, so a new run is created; ` +
    `run "${name}" (${runId}) agrees on name but startTime differs by 5 min: ${day}T14:35:00Z. ` +
    "To adopt it, give the row its runId, or allow a tolerance (--adopt-by name,startTime~6m)";
  return { dir, runId, key: `tv-${tag}`, day, warning };
}

async function planJson(dir: string, extra: string[]) {
  const result = await runCli(emulator(), ["plan", dir, "--format", "json", ...extra]);
  const plan = JSON.parse(result.stdout) as Omit<PlanJson, "changes"> & { changes: Entry[] };
  return { ...result, plan };
}

describe("a near miss", () => {
  it("warns, naming the run and how it differs, in JSON and in the log, with no extra request", async () => {
    const { dir, key, warning } = seedTv("json");
    emulator().resetStats();
    const { code, plan, stderr } = await planJson(dir, [
      "--adopt-by",
      "name,startTime",
      "--no-cache",
    ]);
    expect(code).toBe(0);
    expect(plan.changes).toMatchObject([{ clientKey: key, action: "create" }]);
    expect(plan.changes[0]!.warnings).toEqual([warning]);
    expect(plan.summary.warnings).toBe(1);
    // The report is in a pipe: the log says it too.
    const logged = stderr.split("\n").flatMap((line) => (line ? [JSON.parse(line).msg] : []));
    expect(logged).toContain(`${key} (${join(dir, "runs.csv")}:2): ${warning}`);
    // The candidates the adoption lookup fetched anyway: clientKeys, then names.
    expect(emulator().stats().requests.ListRuns).toBe(2);
  });

  it("is in the table and the Markdown reports too, and apply logs it", async () => {
    const { dir, day, warning } = seedTv("table");
    const table = await runCli(emulator(), ["plan", dir, "--adopt-by", "name,startTime"]);
    expect(table.stdout).toContain(warning);
    const markdown = await runCli(emulator(), [
      ...["plan", dir, "--adopt-by", "name,startTime", "--format", "markdown"],
    ]);
    expect(markdown.stdout).toContain(`startTime differs by 5 min: ${day}T14:35:00Z`);
    const applied = await runCli(emulator(), ["apply", dir, "--adopt-by", "name,startTime"]);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain("startTime differs by 5 min");
  });

  it("names a metadata value that differs, and a field the row leaves out", async () => {
    emulator().load({
      runs: [
        {
          runId: "2d5c0e9a-6a43-4c7e-9a65-3c1d7a8e9f01",
          name: "Cold flow 7",
          metadata: { campaign: "c-2023" },
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv": "clientKey,name,metadata.campaign\ncf-7,Cold flow 7,c-2024\ncf-8,Cold flow 7,\n",
    });
    const { plan } = await planJson(dir, ["--adopt-by", "name,metadata.campaign"]);
    expect(plan.changes.map((c) => c.action)).toEqual(["create", "create"]);
    expect(plan.changes[0]!.warnings[0]).toContain(
      'run "Cold flow 7" (2d5c0e9a-6a43-4c7e-9a65-3c1d7a8e9f01) agrees on name but metadata.campaign is "c-2023".',
    );
    expect(plan.changes[1]!.warnings[0]).toContain(
      "agrees on name but the row has no metadata.campaign.",
    );
  });

  it("is no warning when the row adopts, or when nothing agrees", async () => {
    emulator().load({
      runs: [
        {
          runId: "3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
          name: "Same 1",
          startTime: "2024-01-01T00:00:00Z",
        },
        {
          runId: "4b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
          name: "Same 1",
          startTime: "2024-01-02T00:00:00Z",
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv":
        "clientKey,name,startTime\ns-1,Same 1,2024-01-01T00:00:00Z\nother,Other 1,2024-01-01T00:00:00Z\n",
    });
    const { plan } = await planJson(dir, ["--adopt-by", "name,startTime"]);
    expect(plan.changes.map((c) => [c.action, c.warnings])).toEqual([
      ["adopt", []],
      ["create", []],
    ]);
  });
});

describe("a tolerance: --adopt-by name,startTime~10m", () => {
  it("adopts the run within it, and a saved plan keeps the spec", async () => {
    const { dir, runId, key, day } = seedTv("saved");
    const planFile = join(dir, "plan.json");
    const planned = await runCli(emulator(), [
      ...["plan", dir, "--adopt-by", "name,startTime~10m", "--out", planFile, "--format", "json"],
    ]);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { changes: Entry[] };
    expect(plan.changes).toMatchObject([
      {
        action: "adopt",
        runId,
        adoptedBy: "name,startTime~10m",
        updateMask: ["clientKey", "startTime"],
        warnings: [],
      },
    ]);
    const saved = JSON.parse(readFileSync(planFile, "utf8"));
    expect(saved.options.adoptBy).toEqual(["name", "startTime~10m"]);
    const applied = await runCli(emulator(), ["apply", "--plan", planFile]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(
      emulator()
        .runs()
        .find((r) => r.runId === runId),
    ).toMatchObject({
      clientKey: key,
      startTime: `${day}T14:30:00Z`,
    });
  });

  it("finds the run by a widened time range when name is not listed", async () => {
    const { dir, runId } = seedTv("ranged");
    const { plan } = await planJson(dir, ["--adopt-by", "startTime~5m"]);
    expect(plan.changes).toMatchObject([{ action: "adopt", runId }]);
    const exact = await planJson(dir, ["--adopt-by", "startTime~4m"]);
    expect(exact.plan.changes).toMatchObject([{ action: "create" }]);
  });

  it("adopts nothing when two runs are within it, saying which and by how much", async () => {
    emulator().load({
      runs: [
        {
          runId: "5c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
          name: "HF 2",
          startTime: "2024-03-11T14:32:00Z",
        },
        {
          runId: "6d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f70",
          name: "HF 2",
          startTime: "2024-03-11T14:26:00Z",
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv": "clientKey,name,startTime\nhf,HF 2,2024-03-11T14:30:00Z\n",
    });
    const { code, plan } = await planJson(dir, ["--adopt-by", "name,startTime~10m"]);
    expect(code).toBe(1);
    expect(plan.changes[0]!.problems).toEqual([
      `${join(dir, "runs.csv")}:2 --adopt-by name,startTime~10m: 2 runs without a clientKey match within the tolerance (5c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f (startTime +2 min), 6d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f70 (startTime −4 min)); add a runId column to choose one`,
    ]);
  });

  it("adopts nothing when one run is within it of two rows", async () => {
    emulator().load({
      runs: [
        {
          runId: "7e5f6a7b-8c9d-4e0f-9a2b-3c4d5e6f7081",
          name: "HF 3",
          startTime: "2024-03-11T14:33:00Z",
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv":
        "clientKey,name,startTime\nhf-a,HF 3,2024-03-11T14:30:00Z\nhf-b,HF 3,2024-03-11T14:35:00Z\n",
    });
    const { plan } = await planJson(dir, ["--adopt-by", "name,startTime~10m"]);
    const file = join(dir, "runs.csv");
    expect(plan.changes.map((c) => c.action)).toEqual(["invalid", "invalid"]);
    expect(plan.changes[1]!.problems).toEqual([
      `${file}:3 --adopt-by name,startTime~10m: run 7e5f6a7b-8c9d-4e0f-9a2b-3c4d5e6f7081 ("HF 3") matches 2 rows within the tolerance (${file}:2, ${file}:3); none adopts it: give the right row its runId`,
    ]);
  });

  it("is refused on a field that is not a time, or when malformed", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nu-1,U\n" });
    const name = await runCli(emulator(), ["plan", dir, "--adopt-by", "name~10m"]);
    expect(name.code).toBe(1);
    expect(name.stderr).toContain(
      'error: --adopt-by: "name~10m": a tolerance (~10m) is only for startTime and stopTime',
    );
    const unit = await runCli(emulator(), ["plan", dir, "--adopt-by", "startTime~10 minutes"]);
    expect(unit.stderr).toContain(
      'error: --adopt-by: "startTime~10 minutes": the tolerance is a whole number with ms, s, m or h (e.g. startTime~10m)',
    );
    const twice = await runCli(emulator(), ["plan", dir, "--adopt-by", "startTime,startTime~1m"]);
    expect(twice.stderr).toContain(
      'error: --adopt-by: startTime is listed twice ("startTime" and "startTime~1m")',
    );
  });
});

describe("options.adoptBy in a sync config", () => {
  it("adopts as the flag does, and a wrong entry names the config entry", async () => {
    const { dir, runId } = seedTv("config");
    const config = join(dir, "sift-run-sync.yaml");
    const write = (adoptBy: string) =>
      writeFileSync(
        config,
        [
          "version: 1",
          "sources:",
          "  - path: runs.csv",
          "    fields: { clientKey: clientKey, name: name, startTime: startTime }",
          `options: { adoptBy: ${adoptBy} }`,
          "",
        ].join("\n"),
      );
    write('[name, "startTime~10m"]');
    const planned = await runCli(emulator(), ["plan", "--config", config, "--format", "json"]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(JSON.parse(planned.stdout).changes).toMatchObject([{ action: "adopt", runId }]);
    write('[name, "startTime~10d"]');
    const wrong = await runCli(emulator(), ["plan", "--config", config]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      '"startTime~10d": the tolerance is a whole number with ms, s, m or h (e.g. startTime~10m)',
    );
    expect(wrong.stderr).toContain("options.adoptBy");
  });
});
