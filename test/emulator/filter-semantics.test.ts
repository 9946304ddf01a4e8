import { beforeAll, describe, expect, it } from "vitest";
import type { WireRun } from "../../src/emulator/index.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/** Filter semantics sift-api.md documents: null tests, durations, (?i), exact timestamps. */

const emulator = useEmulator();

async function clientKeys(filter: string): Promise<string[]> {
  const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
  expect(status, `${filter}: ${JSON.stringify(body)}`).toBe(200);
  return (body.runs ?? []).map((r: WireRun) => r.clientKey ?? "(none)").sort();
}

async function refused(filter: string): Promise<string> {
  const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
  expect(status, filter).toBe(400);
  return body.message;
}

beforeAll(() => {
  emulator().load({
    assets: [{ name: "stand-a", assetId: "asset-a", tags: ["hot"] }],
    runs: [
      {
        clientKey: "done",
        name: "Thermal Vacuum",
        assetNames: ["stand-a"],
        startTime: "2024-01-01T00:00:00.000000100Z",
        stopTime: "2024-01-01T02:00:00Z",
        metadata: { campaign: "c1" },
      },
      { clientKey: "ongoing", name: "thermal soak", startTime: "2024-03-01T00:00:00Z" },
      { name: "bare" },
    ],
  });
});

describe("unset fields read as null", () => {
  it("field == null / != null", async () => {
    expect(await clientKeys("stop_time == null")).toEqual(["(none)", "ongoing"]);
    expect(await clientKeys("stop_time != null")).toEqual(["done"]);
    expect(await clientKeys("client_key == null")).toEqual(["(none)"]);
    expect(await clientKeys("null != client_key")).toEqual(["done", "ongoing"]);
    expect(await clientKeys("metadata['campaign'] == null")).toEqual(["(none)", "ongoing"]);
    expect(await clientKeys("metadata.campaign != null")).toEqual(["done"]);
  });

  it("any other comparison with an unset field does not match (SQL NULL)", async () => {
    expect(await clientKeys("client_key != 'done'")).toEqual(["ongoing"]);
    expect(await clientKeys("stop_time < timestamp('2100-01-01T00:00:00Z')")).toEqual(["done"]);
  });
});

describe("duration", () => {
  it("duration is elapsed seconds; an ongoing run counts to now", async () => {
    expect(await clientKeys("duration == 7199.9999999")).toEqual(["done"]);
    expect(await clientKeys("duration > 3600 && duration < 7200")).toEqual(["done"]);
    expect(await clientKeys("duration > 86400")).toEqual(["ongoing"]);
    expect(await clientKeys("duration == null")).toEqual(["(none)"]);
  });

  it("duration_string compares with duration('…')", async () => {
    expect(await clientKeys("duration_string > duration('1h')")).toEqual(["done", "ongoing"]);
    expect(await clientKeys("duration_string < duration('10h')")).toEqual(["done"]);
  });

  it("the wire duration of an ongoing run grows", async () => {
    const { body } = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ filter: "client_key == 'ongoing'" })}`,
    );
    expect(Number.parseFloat(body.runs[0].duration)).toBeGreaterThan(86400);
  });
});

describe("matches", () => {
  it("RE2's (?i) makes a pattern case-insensitive", async () => {
    expect(await clientKeys("name.matches('^thermal')")).toEqual(["ongoing"]);
    expect(await clientKeys("name.matches('(?i)^thermal')")).toEqual(["done", "ongoing"]);
    expect(await clientKeys("name.matches('(?i)[s-t]OAK$')")).toEqual(["ongoing"]);
  });

  it("an unsupported inline flag is a 400, not a silent mismatch", async () => {
    expect(await refused("name.matches('(?s)a.b')")).toMatch(/\(\?s\)/);
  });
});

describe("timestamp() literals", () => {
  it("compare at the nanosecond, with any offset and 1-9 fractional digits", async () => {
    expect(await clientKeys("start_time > timestamp('2024-01-01T00:00:00.0000001Z')")).toEqual([
      "ongoing",
    ]);
    expect(await clientKeys("start_time >= timestamp('2024-01-01T00:00:00.0000001Z')")).toEqual([
      "done",
      "ongoing",
    ]);
    expect(
      await clientKeys("start_time == timestamp('2024-01-01T02:00:00.000000100+02:00')"),
    ).toEqual(["done"]);
    expect(await clientKeys("timestamp('2024-02-01T01:00:00.5+01:00') < start_time")).toEqual([
      "ongoing",
    ]);
  });

  it("a malformed literal or sub-millisecond arithmetic is a 400", async () => {
    expect(await refused("start_time > timestamp('2024-13-01T00:00:00Z')")).toMatch(/2024-13-01/);
    expect(
      await refused("start_time > timestamp('2024-01-01T00:00:00.0000001Z') - duration('1h')"),
    ).toMatch(/sub-millisecond/);
    // Millisecond literals with an offset work in arithmetic too.
    expect(
      await clientKeys("start_time > timestamp('2024-03-01T02:00:00+02:00') - duration('1s')"),
    ).toEqual(["ongoing"]);
  });
});
