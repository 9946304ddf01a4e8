import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlanFileError, UsageError } from "../../src/core/errors.js";
import {
  checkPlanTarget,
  createPlanFileWriter,
  openPlanFile,
  type PlanFileMeta,
  readPlanFile,
  toSavedChange,
} from "../../src/report/plan-file.js";
import type { Change } from "../../src/plan/change.js";
import { countChange, createPlanSummary } from "../../src/plan/summary.js";
import { mixedPlan } from "./fixtures.js";
import { feed } from "./helpers.js";

const META: PlanFileMeta = {
  target: "https://api.example.test",
  createdAt: "2024-05-01T12:00:00.000Z",
  options: { metadata: "replace", ignore: ["stopTime"], shard: "1/1" },
  manifests: ["manifests/runs.csv", "manifests/extra.yaml"],
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "plan-file-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function savePlan(path: string): void {
  feed(createPlanFileWriter(path, META), mixedPlan());
}

describe("saved plan file", () => {
  it("reads back exactly what was written", async () => {
    const path = join(dir, "plan.json");
    savePlan(path);
    const plan = await readPlanFile(path);
    const summary = createPlanSummary();
    for (const change of mixedPlan()) countChange(summary, change);
    expect(plan).toEqual({
      version: 2,
      ...META,
      changes: JSON.parse(JSON.stringify(mixedPlan().map(toSavedChange))),
      summary,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
  });

  it("holds what apply needs: request bodies, the follow-up and each modifiedDate", async () => {
    const path = join(dir, "plan.json");
    savePlan(path);
    const [create, update, unchanged] = (await readPlanFile(path)).changes;
    expect(create).toMatchObject({
      action: "create",
      call: "CreateAdhocRun",
      request: { clientKey: "tv-001", assetIds: ["asset-a"], startTime: "2024-03-01T08:00:00Z" },
      followUp: { run: { isPinned: true }, updateMask: "isPinned" },
    });
    expect(update).toMatchObject({
      action: "update",
      runId: "run-2",
      modifiedDate: "2024-02-01T10:00:00Z",
      request: { run: { runId: "run-2", name: "New" }, updateMask: "name,tags,metadata" },
    });
    expect(unchanged).toMatchObject({ action: "unchanged", modifiedDate: "2024-01-01T00:00:00Z" });
  });

  it("streams changes one at a time from an opened plan", async () => {
    const path = join(dir, "plan.json");
    savePlan(path);
    const opened = await openPlanFile(path);
    expect(opened.head).toEqual({ version: 2, ...META });
    const first = await opened.changes[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ clientKey: "tv-001" });
    opened.close();
    const { changes } = await openPlanFile(path);
    const keys: string[] = [];
    for await (const change of changes) keys.push(change.clientKey);
    expect(keys).toEqual(["tv-001", "tv-002", "tv-003", "tv-004", "tv-009"]);
  });

  it("reads a plan reformatted by another tool (not one change per line)", async () => {
    const path = join(dir, "plan.json");
    savePlan(path);
    const pretty = join(dir, "pretty.json");
    writeFileSync(pretty, JSON.stringify(JSON.parse(readFileSync(path, "utf8")), null, 2));
    expect(await readPlanFile(pretty)).toEqual(await readPlanFile(path));
  });

  it("streams a large plan to disk in chunks and reads every change back", async () => {
    const path = join(dir, "big.json");
    const writer = createPlanFileWriter(path, META);
    const summary = createPlanSummary();
    const [create] = mixedPlan();
    const count = 3000; // ~1 MB: many write chunks
    for (let i = 0; i < count; i++) {
      const planned = create as Extract<Change, { action: "create" }>;
      const change = {
        ...planned,
        spec: { ...planned.spec, clientKey: `k-${i}` },
        body: { ...planned.body, clientKey: `k-${i}` },
      } as Change;
      writer.add(change);
      countChange(summary, change);
    }
    writer.end(summary);
    const { changes } = await openPlanFile(path);
    let seen = 0;
    for await (const change of changes) {
      expect(change.clientKey).toBe(`k-${seen}`);
      seen += 1;
    }
    expect(seen).toBe(count);
    expect((await readPlanFile(path)).summary.create).toBe(count);
  });

  it("appears only when complete: nothing at the path until end, no temp file left", () => {
    const path = join(dir, "plan.json");
    const writer = createPlanFileWriter(path, META);
    for (const change of mixedPlan()) writer.add(change);
    expect(readdirSync(dir)).not.toContain("plan.json");
    writer.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a plan of another version, and still reads version 1", async () => {
    const path = join(dir, "plan.json");
    savePlan(path);
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.replace('{"version":2,', '{"version":3,'));
    await expect(readPlanFile(path)).rejects.toThrow(
      new PlanFileError(
        `${path}: plan file version 3 is not supported by this sift-run-sync (expects 1 or 2)`,
      ),
    );
    // Version 1 had no adopt, archive or unarchive: its summary lacks their counts.
    const v1 = text
      .replace('{"version":2,', '{"version":1,')
      .replace('"adopt":0,"archive":0,"unarchive":0,', "");
    writeFileSync(path, v1);
    const read = await readPlanFile(path);
    expect(read.version).toBe(1);
    expect(read.changes.map((c) => c.action)).toEqual(mixedPlan().map((c) => c.action));
    expect(read.summary).toMatchObject({ adopt: 0, archive: 0, unarchive: 0 });
  });

  it("refuses garbage, a wrong shape and a truncated file, naming the file", async () => {
    const garbage = join(dir, "garbage.json");
    writeFileSync(garbage, "not json at all");
    await expect(readPlanFile(garbage)).rejects.toThrow(PlanFileError);
    await expect(readPlanFile(garbage)).rejects.toThrow(`${garbage} is not valid JSON`);

    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ hello: "world" }));
    await expect(readPlanFile(other)).rejects.toThrow(`${other} is not a sift-run-sync plan file`);

    const path = join(dir, "plan.json");
    savePlan(path);
    const lines = readFileSync(path, "utf8").split("\n");
    const broken = join(dir, "broken.json");
    writeFileSync(
      broken,
      [...lines.slice(0, 2), '{"clientKey":"x","action":"update"},', ...lines.slice(2)].join("\n"),
    );
    await expect(readPlanFile(broken)).rejects.toThrow(`invalid plan file ${broken}:3: `);

    const truncated = join(dir, "truncated.json");
    writeFileSync(truncated, lines.slice(0, 3).join("\n"));
    await expect(readPlanFile(truncated)).rejects.toThrow(
      `${truncated} ends before the plan's summary`,
    );
  });

  it("says when the file cannot be read or written", async () => {
    const missing = join(dir, "missing.json");
    await expect(readPlanFile(missing)).rejects.toThrow(
      new RegExp(`^cannot read the plan file ${missing}: ENOENT`),
    );
    await expect(readPlanFile(dir)).rejects.toThrow(PlanFileError);
    expect(() => createPlanFileWriter(join(dir, "no", "such", "dir.json"), META)).toThrow(
      UsageError,
    );
  });

  it("is applied only to the API it was made for", async () => {
    const path = join(dir, "plan.json");
    savePlan(path);
    const head = await readPlanFile(path);
    expect(() => checkPlanTarget(head, "https://API.example.test/", path)).not.toThrow();
    expect(() => checkPlanTarget(head, "https://other.example.test", path)).toThrow(
      new PlanFileError(
        `${path} was made for https://api.example.test, not https://other.example.test; make a new plan against this API`,
      ),
    );
  });
});
