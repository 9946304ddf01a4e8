import { beforeAll, describe, expect, it } from "vitest";
import type { WireRun } from "../../src/emulator/index.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

const emulator = useEmulator({ defaults: "omit" });

/** A CEL string literal holding `value` exactly. */
function celString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

async function clientKeys(filter: string, path = "/api/v2/runs"): Promise<string[]> {
  const { status, body } = await callApi(emulator(), "GET", path + query({ filter }));
  expect(status, `${filter}: ${JSON.stringify(body)}`).toBe(200);
  return (body.runs ?? []).map((r: WireRun) => r.clientKey).sort();
}

beforeAll(() => {
  emulator().load({
    tags: [{ name: "nightly", tagId: "tag-nightly" }],
    assets: [
      { name: "stand-a", assetId: "asset-a", tags: ["hot"] },
      { name: "stand-b", assetId: "asset-b" },
      { name: "Rig-7", assetId: "asset-rig" },
    ],
    runs: [
      {
        clientKey: "k1",
        name: "first",
        assetNames: ["stand-a", "stand-b"],
        tags: ["nightly"],
        startTime: "2024-01-01T00:00:00Z",
        stopTime: "2024-01-01T02:00:00Z",
        metadata: { campaign: "c1", altitude_m: 1200, passed: true },
      },
      {
        clientKey: "k2",
        name: "second",
        assetNames: ["stand-b"],
        startTime: "2024-02-01T00:00:00Z",
        stopTime: "2024-02-01T00:30:00Z",
        metadata: { campaign: "c2", altitude_m: 800 },
        isArchived: true,
      },
      { clientKey: `a'b"c\\d`, name: "tricky" },
      { clientKey: "x' || true || 'y", name: "injection" },
      { name: "no key" },
    ],
  });
});

describe("CEL filters over runs", () => {
  it("client_key == and in, including the index path", async () => {
    expect(await clientKeys("client_key == 'k1'")).toEqual(["k1"]);
    expect(await clientKeys("'k2' == client_key")).toEqual(["k2"]);
    expect(await clientKeys("client_key in ['k1', 'k2', 'nope']")).toEqual(["k1", "k2"]);
    expect(await clientKeys("client_key in ['k1', 'k2'] && name == 'second'")).toEqual(["k2"]);
    expect(await clientKeys("client_key == 'k1' || client_key == 'k2'")).toEqual(["k1", "k2"]);
  });

  it("matches keys holding quotes and backslashes exactly when escaped", async () => {
    const tricky = `a'b"c\\d`;
    const injection = "x' || true || 'y";
    expect(await clientKeys(`client_key == ${celString(tricky)}`)).toEqual([tricky]);
    expect(await clientKeys(`client_key == ${celString(injection)}`)).toEqual([injection]);
    expect(
      await clientKeys(`client_key in [${celString(tricky)}, ${celString(injection)}]`),
    ).toEqual([tricky, injection].sort());
    // Double-quoted literals work too.
    expect(await clientKeys(`client_key == "a'b\\"c\\\\d"`)).toEqual([tricky]);
  });

  it("an unescaped value changes the meaning (why clients must escape)", async () => {
    const pasted = (value: string) => `client_key == '${value}'`;
    expect((await clientKeys(pasted("x' || client_key != '"))).length).toBeGreaterThan(2);
    const typeError = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ filter: pasted("x' || true || 'y") })}`,
    );
    expect(typeError.status).toBe(400);
  });

  it("asset_id and asset_name match when any of the run's assets matches", async () => {
    expect(await clientKeys("asset_name == 'stand-a'")).toEqual(["k1"]);
    expect(await clientKeys("asset_name == 'stand-b'")).toEqual(["k1", "k2"]);
    expect(await clientKeys("asset_id in ['asset-a']")).toEqual(["k1"]);
    expect(await clientKeys("asset_name == 'stand-a' && asset_name == 'stand-b'")).toEqual([]);
    expect(await clientKeys("asset_name.startsWith('stand-') && name == 'second'")).toEqual(["k2"]);
  });

  it("tag_id, is_archived, name, metadata, times and duration", async () => {
    expect(await clientKeys("tag_id == 'tag-nightly'")).toEqual(["k1"]);
    expect(await clientKeys("tag_id == 'nightly'")).toEqual([]); // an id, not a name
    expect(await clientKeys("is_archived == true")).toEqual(["k2"]);
    expect(await clientKeys("is_archived == false && client_key in ['k1', 'k2']")).toEqual(["k1"]);
    expect(await clientKeys("name.contains('ric')")).toEqual([`a'b"c\\d`]);
    expect(await clientKeys("metadata['campaign'] == 'c2'")).toEqual(["k2"]);
    expect(await clientKeys("metadata['altitude_m'] > 1000")).toEqual(["k1"]);
    expect(await clientKeys("metadata['passed'] == true")).toEqual(["k1"]);
    expect(await clientKeys("start_time >= timestamp('2024-01-15T00:00:00Z')")).toEqual(["k2"]);
    expect(await clientKeys("duration_string > duration('1h')")).toEqual(["k1"]);
    expect(await clientKeys("archived_date > timestamp('2000-01-01T00:00:00Z')")).toEqual(["k2"]);
    expect(await clientKeys("organization_id == 'org-local' && client_key == 'k1'")).toEqual([
      "k1",
    ]);
  });

  it("runs without a clientKey match no client_key comparison", async () => {
    const { body } = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ filter: "client_key != 'k1'" })}`,
    );
    const names = body.runs.map((r: WireRun) => r.name);
    expect(names).not.toContain("no key");
    expect(names).not.toContain("first");
  });

  it("400 INVALID_ARGUMENT for an unknown field, a syntax error, a non-boolean", async () => {
    for (const filter of ["clientKey == 'k1'", "client_key == ", "client_key", "client_key == 1"]) {
      const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
      expect(status, filter).toBe(400);
      expect(body.code).toBe(3);
      expect(body.message).toMatch(/filter/);
    }
    const unknown = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ filter: "colour == 'red'" })}`,
    );
    expect(unknown.body.message).toContain("colour");
  });
});

describe("CEL filters over assets and metadata keys", () => {
  it("assets by name (indexed), name_lower, tag_name, asset_id", async () => {
    const names = async (filter: string) => {
      const { status, body } = await callApi(
        emulator(),
        "GET",
        `/api/v1/assets${query({ filter })}`,
      );
      expect(status, filter).toBe(200);
      return (body.assets ?? []).map((a: { name: string }) => a.name).sort();
    };
    expect(await names("name in ['stand-a', 'Rig-7', 'ghost']")).toEqual(["Rig-7", "stand-a"]);
    expect(await names("name_lower == 'rig-7'")).toEqual(["Rig-7"]);
    expect(await names("tag_name == 'hot'")).toEqual(["stand-a"]);
    expect(await names("asset_id == 'asset-b'")).toEqual(["stand-b"]);
    expect(
      (await callApi(emulator(), "GET", `/api/v1/assets${query({ filter: "client_key == 'x'" })}`))
        .status,
    ).toBe(400);
  });

  it("metadata keys by name", async () => {
    const { body } = await callApi(
      emulator(),
      "GET",
      `/api/v1/metadata-keys${query({ filter: "name in ['campaign', 'passed']", orderBy: "name" })}`,
    );
    expect(body.metadataKeys).toEqual([
      { name: "campaign", type: "METADATA_KEY_TYPE_STRING" },
      { name: "passed", type: "METADATA_KEY_TYPE_BOOLEAN" },
    ]);
  });
});
