import { describe, expect, it } from "vitest";
import {
  errorBodySchema,
  listAssetsResponseSchema,
  listMetadataKeysResponseSchema,
  listRunsResponseSchema,
  runResponseSchema,
} from "../../src/sift/schemas.js";
import { callApi, useEmulator } from "../helpers/emulator.js";

const emulator = useEmulator({
  defaults: "omit",
  seed: {
    assets: [{ name: "stand-a", assetId: "asset-a" }, "stand-b"],
    metadataKeys: { campaign: "string", altitude_m: "number", passed: "boolean" },
  },
});

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;

describe("protojson output", () => {
  it("omits default values and uses camelCase", async () => {
    const { status, body } = await callApi(emulator(), "POST", "/api/v2/runs", { name: "bare" });
    expect(status).toBe(200);
    expect(Object.keys(body.run).sort()).toEqual(
      [
        "createdByUserId",
        "createdDate",
        "modifiedByUserId",
        "modifiedDate",
        "name",
        "organizationId",
        "runId",
      ].sort(),
    );
    expect(body.run.organizationId).toMatch(/^org-/);
    expect(body.run.createdDate).toMatch(CANONICAL);
    expect(body.run.modifiedDate).toBe(body.run.createdDate);
  });

  it("round-trips nanoseconds and turns offsets into UTC Z", async () => {
    const { body } = await callApi(emulator(), "POST", "/api/v2/runs", {
      name: "precise",
      startTime: "2024-03-01T10:00:00.123456789Z",
      stopTime: "2024-03-01T12:30:00.5+02:00",
    });
    expect(body.run.startTime).toBe("2024-03-01T10:00:00.123456789Z");
    expect(body.run.stopTime).toBe("2024-03-01T10:30:00.500Z");
    expect(body.run.duration).toBe("1800.376543211s");
    const again = await callApi(emulator(), "GET", `/api/v2/runs/${body.run.runId}`);
    expect(again.body.run.startTime).toBe("2024-03-01T10:00:00.123456789Z");
  });

  it("accepts snake_case names in bodies and emits camelCase", async () => {
    const { status, body } = await callApi(emulator(), "POST", "/api/v2/runs", {
      name: "snake",
      client_key: "wire-snake",
      start_time: "2024-01-01T00:00:00Z",
      stop_time: "2024-01-01T01:30:00Z",
    });
    expect(status).toBe(200);
    expect(body.run).toMatchObject({
      clientKey: "wire-snake",
      startTime: "2024-01-01T00:00:00Z",
      stopTime: "2024-01-01T01:30:00Z",
      duration: "5400s",
    });
    expect(body.run).not.toHaveProperty("client_key");
  });

  it("emits metadata as typed oneof values, zero and false included", async () => {
    const { body } = await callApi(emulator(), "POST", "/api/v2/runs", {
      name: "with metadata",
      metadata: [
        { key: { name: "campaign" }, stringValue: "" },
        { key: { name: "altitude_m", type: "METADATA_KEY_TYPE_NUMBER" }, numberValue: 0 },
        { key: { name: "passed" }, booleanValue: false },
      ],
    });
    expect(body.run.metadata).toEqual([
      { key: { name: "campaign", type: "METADATA_KEY_TYPE_STRING" }, stringValue: "" },
      { key: { name: "altitude_m", type: "METADATA_KEY_TYPE_NUMBER" }, numberValue: 0 },
      { key: { name: "passed", type: "METADATA_KEY_TYPE_BOOLEAN" }, booleanValue: false },
    ]);
  });

  it("emits adhoc runs with assetIds, isAdhoc, tags", async () => {
    const { body } = await callApi(emulator(), "POST", "/api/v2/runs:adhoc", {
      name: "adhoc",
      startTime: "2024-01-01T00:00:00Z",
      stopTime: "2024-01-01T00:00:01Z",
      assetIds: ["asset-a"],
      tags: ["a", "b"],
    });
    expect(body.run).toMatchObject({ assetIds: ["asset-a"], isAdhoc: true, tags: ["a", "b"] });
    expect(body.run).not.toHaveProperty("isPinned");
    expect(body.run).not.toHaveProperty("isArchived");
  });
});

describe("every answer parses with the client's schemas", () => {
  it("runs, assets, metadata keys and errors", async () => {
    const e = emulator();
    const created = await callApi(e, "POST", "/api/v2/runs", {
      name: "schema",
      clientKey: "wire-schema",
      startTime: "2024-01-01T00:00:00Z",
      stopTime: "2024-01-02T00:00:00Z",
      tags: ["t"],
      metadata: [{ key: { name: "altitude_m" }, numberValue: 1200.5 }],
    });
    const run = runResponseSchema.parse(created.body).run;
    expect(run).toMatchObject({ clientKey: "wire-schema", isPinned: false, description: "" });
    expect(run.metadata[0]).toMatchObject({ numberValue: 1200.5 });

    const runs = listRunsResponseSchema.parse((await callApi(e, "GET", "/api/v2/runs")).body);
    expect(runs.runs.length).toBeGreaterThan(0);
    for (const r of runs.runs) {
      expect(r.createdDate).toMatch(CANONICAL);
      expect(r.modifiedDate).toMatch(CANONICAL);
    }
    const assets = listAssetsResponseSchema.parse((await callApi(e, "GET", "/api/v1/assets")).body);
    expect(assets.assets.map((a) => a.name).sort()).toEqual(["stand-a", "stand-b"]);
    const keys = listMetadataKeysResponseSchema.parse(
      (await callApi(e, "GET", "/api/v1/metadata-keys")).body,
    );
    expect(keys.metadataKeys).toContainEqual({
      name: "altitude_m",
      type: "METADATA_KEY_TYPE_NUMBER",
    });
    const missing = await callApi(e, "GET", "/api/v2/runs/00000000-0000-4000-8000-00000000dead");
    expect(missing.status).toBe(404);
    expect(errorBodySchema.parse(missing.body)).toMatchObject({ code: 5, details: [] });
  });

  it("an empty list answer is {} (no runs, no nextPageToken)", async () => {
    const filter = encodeURIComponent("client_key == 'nobody'");
    const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs?filter=${filter}`);
    expect(status).toBe(200);
    expect(body).toEqual({});
    expect(listRunsResponseSchema.parse(body)).toEqual({ runs: [], nextPageToken: "" });
  });

  it("runs() gives the same protojson objects in creation order", async () => {
    const all = emulator().runs();
    expect(all.map((r) => r.name).slice(0, 2)).toEqual(["bare", "precise"]);
    const { body } = await callApi(emulator(), "GET", `/api/v2/runs/${all[1]!.runId}`);
    expect(body.run).toEqual(all[1]);
  });
});
