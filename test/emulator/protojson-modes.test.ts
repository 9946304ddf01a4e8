import { describe, expect, it } from "vitest";
import { createSiftClient } from "../../src/sift/client.js";
import { readMetadataEntry, readMetadataValue } from "../../src/sift/metadata-entry.js";
import { listRunsResponseSchema, runResponseSchema } from "../../src/sift/schemas.js";
import { callApi, useEmulator } from "../helpers/emulator.js";

/** `defaults: emit|omit`, strict vs discarded unknown fields, enums by number, trimmed names. */

const SEED = {
  assets: [{ name: "stand-a", assetId: "asset-a" }],
  metadataKeys: { campaign: "string" as const },
};
const emit = useEmulator({ defaults: "emit", strict: false, seed: SEED });
const omit = useEmulator({ defaults: "omit", strict: true, seed: SEED });

describe("defaults: emit (grpc-gateway v2's default marshaler)", () => {
  it("a run carries every non-optional field; unset optional ones stay out", async () => {
    const { body } = await callApi(emit(), "POST", "/api/v2/runs", { name: "bare" });
    expect(body.run).toMatchObject({
      name: "bare",
      description: "",
      tags: [],
      isPinned: false,
      metadata: [],
      assetIds: [],
      isArchived: false,
      isAdhoc: false,
      defaultReportId: "",
    });
    for (const optional of ["startTime", "stopTime", "clientKey", "archivedDate", "duration"]) {
      expect(body.run, optional).not.toHaveProperty(optional);
    }
  });

  it("metadata keys and values carry archivedDate: null and isArchived: false", async () => {
    const { body } = await callApi(emit(), "POST", "/api/v2/runs", {
      name: "m",
      metadata: [{ key: { name: "campaign" }, stringValue: "c1" }],
    });
    expect(body.run.metadata).toEqual([
      {
        key: {
          name: "campaign",
          type: "METADATA_KEY_TYPE_STRING",
          archivedDate: null,
          isArchived: false,
        },
        stringValue: "c1",
        archivedDate: null,
        isArchived: false,
      },
    ]);
    const keys = await callApi(emit(), "GET", "/api/v1/metadata-keys");
    expect(keys.body.metadataKeys[0]).toMatchObject({ archivedDate: null, isArchived: false });
    expect(keys.body.nextPageToken).toBe("");
  });

  it("an empty list answer is {runs: [], nextPageToken: ''}", async () => {
    const { body } = await callApi(emit(), "GET", "/api/v2/runs?filter=name%20%3D%3D%20'none'");
    expect(body).toEqual({ runs: [], nextPageToken: "" });
    expect(listRunsResponseSchema.parse(body)).toEqual({ runs: [], nextPageToken: "" });
  });

  it("the client reads both forms to the same run", async () => {
    const request = {
      name: "same",
      clientKey: "both-1",
      metadata: [{ key: { name: "campaign" }, stringValue: "x" }],
    };
    const a = runResponseSchema.parse(
      (await callApi(emit(), "POST", "/api/v2/runs", request)).body,
    ).run;
    const b = runResponseSchema.parse(
      (await callApi(omit(), "POST", "/api/v2/runs", request)).body,
    ).run;
    // Metadata entries are kept as sent (emit adds archivedDate: null): compare their reading.
    const strip = (r: typeof a) => ({
      ...r,
      runId: "",
      createdDate: "",
      modifiedDate: "",
      metadata: r.metadata.map((m) => [m.key.name, readMetadataEntry(m)]),
    });
    expect(strip(a)).toEqual(strip(b));
  });
});

describe("defaults: omit", () => {
  it("leaves out every default", async () => {
    const { body } = await callApi(omit(), "POST", "/api/v2/runs", { name: "bare" });
    for (const field of [
      "description",
      "tags",
      "isPinned",
      "metadata",
      "assetIds",
      "isArchived",
      "isAdhoc",
    ]) {
      expect(body.run, field).not.toHaveProperty(field);
    }
    const empty = await callApi(omit(), "GET", "/api/v2/runs?filter=name%20%3D%3D%20'none'");
    expect(empty.body).toEqual({});
  });
});

describe("unknown request fields", () => {
  it("are discarded and counted by name when not strict", async () => {
    emit().resetStats();
    const { status, body } = await callApi(emit(), "POST", "/api/v2/runs", {
      name: "lenient",
      colour: "red",
      metadata: [{ key: { name: "campaign", colour: 1 }, stringValue: "c", extra: true }],
    });
    expect(status).toBe(200);
    expect(body.run.name).toBe("lenient");
    expect(emit().stats().unknownFields).toEqual({
      "CreateRunRequest.colour": 1,
      "CreateRunRequest.metadata[].extra": 1,
      "CreateRunRequest.metadata[].key.colour": 1,
    });
  });

  it("are a 400 when strict, and still counted", async () => {
    omit().resetStats();
    const { status, body } = await callApi(omit(), "PATCH", "/api/v2/runs", {
      run: { runId: "x", colour: "red" },
      updateMask: "name",
    });
    expect(status).toBe(400);
    expect(body.message).toMatch(/unknown field "colour" in run/);
    expect(omit().stats().unknownFields).toEqual({ "UpdateRunRequest.run.colour": 1 });
  });

  it("the client sends none (a create, an update and a lookup)", async () => {
    emit().resetStats();
    const client = createSiftClient({ baseUrl: emit().url, apiKey: "local" });
    const run = await client.createRun({ name: "c", clientKey: "client-1", description: "" });
    await client.updateRun({ run: { runId: run.runId, tags: ["a"] }, updateMask: "tags" });
    await client.validateRunFilter("name == 'c'");
    expect(emit().stats().unknownFields).toEqual({});
  });
});

describe("requests as protojson reads them", () => {
  it("accepts enum numbers and archive fields inside metadata keys and values", async () => {
    const { status, body } = await callApi(omit(), "POST", "/api/v2/runs", {
      name: "enum",
      metadata: [
        {
          key: { name: "campaign", type: 1, archivedDate: null, isArchived: false },
          stringValue: "c1",
          archived_date: null,
          isArchived: false,
        },
        { key: { name: "score", type: 2 }, numberValue: 3 },
      ],
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.run.metadata.map((m: { key: { type: string } }) => m.key.type)).toEqual([
      "METADATA_KEY_TYPE_STRING",
      "METADATA_KEY_TYPE_NUMBER",
    ]);
    const wrong = await callApi(omit(), "POST", "/api/v2/runs", {
      name: "enum",
      metadata: [{ key: { name: "campaign", type: 3 }, stringValue: "c1" }],
    });
    expect(wrong.status).toBe(400);
  });

  it("trims tag and asset names before storing them", async () => {
    const { body } = await callApi(omit(), "POST", "/api/v2/runs", {
      name: "t",
      tags: [" hot ", "hot", "cold\t"],
    });
    expect(body.run.tags).toEqual(["hot", "cold"]);
    omit().load({ assets: ["  rig-9 "] });
    const assets = await callApi(omit(), "GET", "/api/v1/assets?filter=name%20%3D%3D%20'rig-9'");
    expect(assets.body.assets.map((a: { name: string }) => a.name)).toEqual(["rig-9"]);
  });

  it("emits a NaN or infinite number as a string, and the client reads it back", async () => {
    const { body } = await callApi(omit(), "POST", "/api/v2/runs", {
      name: "nan",
      metadata: [
        { key: { name: "n1" }, numberValue: "NaN" },
        { key: { name: "n2" }, numberValue: "-Infinity" },
      ],
    });
    expect(body.run.metadata.map((m: { numberValue: unknown }) => m.numberValue)).toEqual([
      "NaN",
      "-Infinity",
    ]);
    const run = runResponseSchema.parse(body).run;
    expect(run.metadata.map((m) => readMetadataValue(m)?.value)).toEqual([Number.NaN, -Infinity]);
  });
});
