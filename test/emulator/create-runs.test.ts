import { describe, expect, it } from "vitest";
import { callApi, useEmulator } from "../helpers/emulator.js";

const emulator = useEmulator({
  defaults: "omit",
  seed: {
    assets: [
      { name: "stand-a", assetId: "asset-a" },
      { name: "stand-b", assetId: "asset-b" },
    ],
    metadataKeys: { altitude_m: "number" },
  },
});

const T0 = "2024-05-01T08:00:00Z";
const T1 = "2024-05-01T09:00:00Z";

const create = (body: unknown) => callApi(emulator(), "POST", "/api/v2/runs", body);
const createAdhoc = (body: unknown) => callApi(emulator(), "POST", "/api/v2/runs:adhoc", body);

describe("CreateRun", () => {
  it("requires a non-empty name", async () => {
    for (const body of [{}, { name: "" }, { name: "   " }]) {
      const { status, body: error } = await create(body);
      expect(status).toBe(400);
      expect(error).toMatchObject({ code: 3 });
      expect(error.message).toMatch(/name/);
    }
  });

  it("takes no assetIds", async () => {
    const { status, body } = await create({ name: "x", assetIds: ["asset-a"] });
    expect(status).toBe(400);
    expect(body.message).toContain("assetIds");
    expect(
      emulator()
        .runs()
        .some((r) => r.name === "x"),
    ).toBe(false);
  });

  it("409 ALREADY_EXISTS on a clientKey already used, naming the key", async () => {
    const first = await create({ name: "first", clientKey: "dup-key" });
    expect(first.status).toBe(200);
    const second = await create({ name: "second", clientKey: "dup-key" });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 6, details: [] });
    expect(second.body.message).toContain('"dup-key"');
    const adhoc = await createAdhoc({
      name: "adhoc",
      clientKey: "dup-key",
      startTime: T0,
      stopTime: T1,
      assetIds: ["asset-a"],
    });
    expect(adhoc.status).toBe(409);
    expect(
      emulator()
        .runs()
        .filter((r) => r.clientKey === "dup-key"),
    ).toHaveLength(1);
  });

  it("needs start before stop, and a start for a stop", async () => {
    expect((await create({ name: "x", startTime: T1, stopTime: T0 })).status).toBe(400);
    expect((await create({ name: "x", startTime: T0, stopTime: T0 })).status).toBe(400);
    const stopOnly = await create({ name: "x", stopTime: T1 });
    expect(stopOnly.status).toBe(400);
    expect(stopOnly.body.message).toMatch(/start/);
    expect((await create({ name: "start only", startTime: T0 })).status).toBe(200);
  });

  it("creates a default report on request", async () => {
    const { body } = await create({ name: "reported", createDefaultReport: true });
    expect(body.run.defaultReportId).toMatch(/.+/);
  });
});

describe("CreateAdhocRun", () => {
  const valid = { name: "backfill", startTime: T0, stopTime: T1, assetIds: ["asset-a"] };

  it("creates an adhoc run over existing assets", async () => {
    const { status, body } = await createAdhoc({ ...valid, clientKey: "adhoc-1" });
    expect(status).toBe(200);
    expect(body.run).toMatchObject({ isAdhoc: true, assetIds: ["asset-a"], clientKey: "adhoc-1" });
  });

  it("requires name, startTime, stopTime and assetIds", async () => {
    for (const field of ["name", "startTime", "stopTime", "assetIds"] as const) {
      const { [field]: _, ...body } = valid;
      const answer = await createAdhoc(body);
      expect(answer.status, field).toBe(400);
    }
    expect((await createAdhoc({ ...valid, assetIds: [] })).status).toBe(400);
  });

  it("requires start before stop", async () => {
    const { status } = await createAdhoc({ ...valid, startTime: T1, stopTime: T0 });
    expect(status).toBe(400);
  });

  it("refuses an asset id that does not exist, naming it", async () => {
    const { status, body } = await createAdhoc({ ...valid, assetIds: ["asset-a", "asset-zz"] });
    expect(status).toBe(404);
    expect(body.message).toContain("asset-zz");
  });
});

describe("metadata types are org-wide", () => {
  it("creates an unknown key with the type of the value sent", async () => {
    const { status } = await create({
      name: "m",
      metadata: [{ key: { name: "operator" }, stringValue: "ada" }],
    });
    expect(status).toBe(200);
    const keys = await callApi(emulator(), "GET", "/api/v1/metadata-keys");
    expect(keys.body.metadataKeys).toContainEqual({
      name: "operator",
      type: "METADATA_KEY_TYPE_STRING",
    });
  });

  it("refuses a value of another type than the key's", async () => {
    const { status, body } = await create({
      name: "m",
      metadata: [{ key: { name: "altitude_m" }, stringValue: "high" }],
    });
    expect(status).toBe(400);
    expect(body.message).toContain("altitude_m");
  });

  it("refuses a declared type that does not match the value", async () => {
    const { status } = await create({
      name: "m",
      metadata: [{ key: { name: "fresh", type: "METADATA_KEY_TYPE_BOOLEAN" }, numberValue: 1 }],
    });
    expect(status).toBe(400);
  });

  it("needs exactly one of stringValue, numberValue, booleanValue", async () => {
    for (const value of [{}, { stringValue: "a", numberValue: 1 }]) {
      const { status, body } = await create({
        name: "m",
        metadata: [{ key: { name: "altitude_m" }, ...value }],
      });
      expect(status).toBe(400);
      expect(body.message).toMatch(/exactly one/);
    }
  });

  it("a refused request creates no key", async () => {
    const { status } = await create({
      name: "",
      metadata: [{ key: { name: "never-created" }, stringValue: "x" }],
    });
    expect(status).toBe(400);
    const keys = await callApi(emulator(), "GET", "/api/v1/metadata-keys");
    expect(JSON.stringify(keys.body)).not.toContain("never-created");
  });
});
