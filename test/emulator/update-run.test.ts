import { describe, expect, it } from "vitest";
import type { WireRun } from "../../src/emulator/index.js";
import { callApi, isAfter, useEmulator } from "../helpers/emulator.js";

const emulator = useEmulator({
  defaults: "omit",
  seed: { metadataKeys: { altitude_m: "number" } },
});

const T0 = "2024-05-01T08:00:00Z";
const T1 = "2024-05-01T09:00:00Z";
const T2 = "2024-05-01T10:00:00Z";

async function newRun(fields: Record<string, unknown> = {}): Promise<WireRun> {
  const { status, body } = await callApi(emulator(), "POST", "/api/v2/runs", {
    name: "original",
    description: "keep me",
    tags: ["a", "b"],
    startTime: T0,
    stopTime: T1,
    metadata: [{ key: { name: "altitude_m" }, numberValue: 100 }],
    ...fields,
  });
  expect(status).toBe(200);
  return body.run;
}

const update = (run: Record<string, unknown>, updateMask: unknown) =>
  callApi(emulator(), "PATCH", "/api/v2/runs", { run, updateMask });

describe("updateMask", () => {
  it('400 "contains invalid path" for a snake_case path like start_time', async () => {
    const run = await newRun();
    const { status, body } = await update({ runId: run.runId, startTime: T0 }, "start_time");
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 3 });
    expect(body.message).toContain("contains invalid path");
  });

  it("400 when the mask is a JSON list, empty, missing, unknown or not updatable", async () => {
    const run = await newRun();
    for (const mask of [["name"], "", "   ", undefined, "colour", "assetIds", "runId", "name,"]) {
      const { status } = await update({ runId: run.runId, name: "x" }, mask);
      expect(status, JSON.stringify(mask)).toBe(400);
    }
    expect((await callApi(emulator(), "GET", `/api/v2/runs/${run.runId}`)).body.run.name).toBe(
      "original",
    );
  });

  it("400 without a runId, 404 for an unknown one", async () => {
    expect((await update({ name: "x" }, "name")).status).toBe(400);
    expect((await update({ runId: "nope", name: "x" }, "name")).status).toBe(404);
  });

  it("accepts update_mask (snake_case key) with camelCase paths", async () => {
    const run = await newRun();
    const { status, body } = await callApi(emulator(), "PATCH", "/api/v2/runs", {
      run: { run_id: run.runId, name: "renamed" },
      update_mask: "name",
    });
    expect(status).toBe(200);
    expect(body.run.name).toBe("renamed");
  });
});

describe("what changes", () => {
  it("changes only the masked fields and bumps modifiedDate", async () => {
    const run = await newRun();
    const { status, body } = await update(
      { runId: run.runId, name: "renamed", description: "ignored", isPinned: true },
      "name,isPinned",
    );
    expect(status).toBe(200);
    expect(body.run).toMatchObject({ name: "renamed", isPinned: true, description: "keep me" });
    expect(isAfter(body.run.modifiedDate, run.modifiedDate)).toBe(true);
    expect(body.run.createdDate).toBe(run.createdDate);
  });

  it("resets a masked field absent from the body", async () => {
    const run = await newRun();
    const { body } = await update({ runId: run.runId }, "description,stopTime");
    expect(body.run).not.toHaveProperty("description");
    expect(body.run).not.toHaveProperty("stopTime");
    // An ongoing run (start, no stop) lasts until now.
    expect(body.run.duration).toMatch(/^\d+(\.\d+)?s$/);
    expect(body.run.startTime).toBe(T0);
  });

  it("replaces tags and metadata whole", async () => {
    const run = await newRun();
    const { body } = await update(
      { runId: run.runId, tags: ["c"], metadata: [{ key: { name: "site" }, stringValue: "x" }] },
      "tags,metadata",
    );
    expect(body.run.tags).toEqual(["c"]);
    expect(body.run.metadata).toEqual([
      { key: { name: "site", type: "METADATA_KEY_TYPE_STRING" }, stringValue: "x" },
    ]);
    const cleared = await update({ runId: run.runId }, "tags,metadata");
    expect(cleared.body.run).not.toHaveProperty("tags");
    expect(cleared.body.run).not.toHaveProperty("metadata");
  });

  it("enforces metadata key types", async () => {
    const run = await newRun();
    const { status } = await update(
      { runId: run.runId, metadata: [{ key: { name: "altitude_m" }, booleanValue: true }] },
      "metadata",
    );
    expect(status).toBe(400);
  });

  it("checks start < stop on the result", async () => {
    const run = await newRun();
    expect((await update({ runId: run.runId, startTime: T2 }, "startTime")).status).toBe(400);
    expect((await update({ runId: run.runId }, "startTime")).status).toBe(400);
    const moved = await update(
      { runId: run.runId, startTime: T1, stopTime: T2 },
      "startTime,stopTime",
    );
    expect(moved.status).toBe(200);
    expect(moved.body.run.duration).toBe("3600s");
  });

  it("isArchived sets and clears archivedDate", async () => {
    const run = await newRun();
    const archived = await update({ runId: run.runId, isArchived: true }, "isArchived");
    expect(archived.body.run.isArchived).toBe(true);
    expect(archived.body.run.archivedDate).toBe(archived.body.run.modifiedDate);
    const again = await update({ runId: run.runId, isArchived: true }, "isArchived");
    expect(again.body.run.archivedDate).toBe(archived.body.run.archivedDate);
    const restored = await update({ runId: run.runId, isArchived: false }, "isArchived");
    expect(restored.body.run).not.toHaveProperty("isArchived");
    expect(restored.body.run).not.toHaveProperty("archivedDate");
  });

  it("gives every update a later modifiedDate, even many in a burst", async () => {
    const run = await newRun();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => update({ runId: run.runId, name: `n${i}` }, "name")),
    );
    const dates = answers.map((a) => a.body.run.modifiedDate as string);
    expect(new Set(dates).size).toBe(20);
    const final = await callApi(emulator(), "GET", `/api/v2/runs/${run.runId}`);
    expect(dates.every((d) => !isAfter(d, final.body.run.modifiedDate))).toBe(true);
  });
});

describe("clientKey is settable once", () => {
  it("setting the same value is a no-op, another value is refused", async () => {
    const run = await newRun({ clientKey: "once-1" });
    expect((await update({ runId: run.runId, clientKey: "once-1" }, "clientKey")).status).toBe(200);
    const changed = await update({ runId: run.runId, clientKey: "once-2" }, "clientKey");
    expect(changed.status).toBe(400);
    expect(changed.body.code).toBe(3);
    const cleared = await update({ runId: run.runId }, "clientKey");
    expect(cleared.status).toBe(400);
  });

  it("can be set on a run without one, if no other run uses it", async () => {
    const run = await newRun();
    await newRun({ clientKey: "taken" });
    expect((await update({ runId: run.runId, clientKey: "taken" }, "clientKey")).status).toBe(409);
    const set = await update({ runId: run.runId, clientKey: "late-key" }, "clientKey");
    expect(set.status).toBe(200);
    expect(set.body.run.clientKey).toBe("late-key");
    const filter = encodeURIComponent("client_key == 'late-key'");
    const found = await callApi(emulator(), "GET", `/api/v2/runs?filter=${filter}`);
    expect(found.body.runs.map((r: WireRun) => r.runId)).toEqual([run.runId]);
  });
});
