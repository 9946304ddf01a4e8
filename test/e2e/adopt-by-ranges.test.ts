import { describe, expect, it } from "vitest";
import { callApi, query } from "../helpers/emulator.js";
import { manifestDir, planJson, runCli, useEmulator } from "./harness.js";

/**
 * `--adopt-by` without `name` finds its candidates with filters Sift's own clients use:
 * `>=`/`<=` ranges on times, `==` on metadata, never `in` on a timestamp or metadata field
 * (no Sift source shows that working). The test suite's emulator is strict, and strict refuses
 * such an `in`: a client that sent one fails here. Every other field is compared locally.
 */
const emulator = useEmulator();

function adopted(plan: Awaited<ReturnType<typeof planJson>>["plan"]) {
  return plan.changes.map((c) => [c.clientKey, c.action, c.runId]);
}

describe("the strict emulator", () => {
  it.each([
    "start_time in [timestamp('2024-02-01T10:00:00Z')]",
    "stop_time in [timestamp('2024-02-01T10:00:00Z')] && client_key == null",
    "metadata['campaign'] in ['c1']",
    "metadata.campaign in ['c1']",
  ])("refuses `in` on a timestamp or metadata field: %s", async (filter) => {
    const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
    expect(status).toBe(400);
    expect(body.message).toMatch(
      /^invalid filter: `in` on the (timestamp|metadata field) .+ \(refused in strict mode/,
    );
  });

  it.each([
    "client_key == null && name in ['a', 'b']",
    "client_key in ['a'] || run_id in ['b']",
    "start_time >= timestamp('2024-02-01T10:00:00Z') && start_time <= timestamp('2024-02-01T10:00:00.999999999Z')",
    "metadata['campaign'] == 'c1' || metadata['campaign'] == 'c2'",
  ])("accepts what Sift's clients send: %s", async (filter) => {
    const { status } = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
    expect(status).toBe(200);
  });
});

describe("--adopt-by startTime", () => {
  it("adopts the run whose start is the row's, to the nanosecond, with one ranged request", async () => {
    emulator().load({
      runs: [
        { runId: "id-st-1", name: "A", startTime: "2024-02-01T10:00:00Z" },
        // The same second, one nanosecond later: the range finds it, the local check tells them apart.
        { runId: "id-st-1ns", name: "B", startTime: "2024-02-01T10:00:00.000000001Z" },
        // Between two rows' times: listed with them, adopted by none.
        { runId: "id-st-mid", name: "M", startTime: "2024-02-01T10:00:30Z" },
        { runId: "id-st-far", name: "F", startTime: "2025-06-01T00:00:00Z" },
        // Agrees, but has a clientKey: never adopted.
        {
          runId: "id-st-keyed",
          clientKey: "legacy-st",
          name: "K",
          startTime: "2024-02-01T10:01:00Z",
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv": [
        "clientKey,name,startTime",
        "st-1,A,2024-02-01T11:00:00+01:00",
        "st-2,B2,2024-02-01T10:00:00.000000001Z",
        "st-3,C,2024-02-01T10:01:00Z",
        "st-4,D,",
        "",
      ].join("\n"),
    });
    emulator().resetStats();
    const { plan } = await planJson(emulator(), [dir, "--adopt-by", "startTime", "--no-cache"]);
    expect(adopted(plan)).toEqual([
      ["st-1", "adopt", "id-st-1"],
      ["st-2", "adopt", "id-st-1ns"],
      ["st-3", "create", undefined],
      ["st-4", "create", undefined],
    ]);
    expect(plan.changes[1]).toMatchObject({ updateMask: ["clientKey", "name"] });
    // One clientKey lookup, one `client_key == null && (start_time >= ... && <= ...)`.
    expect(emulator().stats().requests.ListRuns).toBe(2);

    const applied = await runCli(emulator(), ["apply", dir, "--adopt-by", "startTime"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 2 created, 0 updated, 2 adopted/);
    emulator().resetStats();
    const again = await runCli(emulator(), ["apply", dir, "--adopt-by", "startTime"]);
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 4 unchanged/);
    expect(emulator().stats().writes).toBe(0);
  });

  it("stays batched over many rows spread over a year", async () => {
    const count = 300;
    const day = (i: number) => new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString();
    emulator().load({
      runs: Array.from({ length: count }, (_, i) => ({
        runId: `id-yr-${i}`,
        name: `Year ${i}`,
        startTime: day(i).replace(".000Z", ".5Z"),
      })),
    });
    const rows = Array.from(
      { length: count },
      (_, i) => `yr-${i},${day(i).replace(".000Z", ".5Z")}`,
    );
    const dir = manifestDir({ "runs.csv": `clientKey,startTime\n${rows.join("\n")}\n` });
    emulator().resetStats();
    const applied = await runCli(emulator(), ["apply", dir, "--adopt-by", "startTime"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`^Applied: 0 created, 0 updated, ${count} adopted`));
    // 300 separate days: 300 ranges, ~50 to a URL, plus the clientKey lookups.
    expect(emulator().stats().requests.ListRuns).toBeLessThanOrEqual(10);
  });
});

describe("--adopt-by stopTime and metadata", () => {
  it("narrows by the stop time's range and compares the metadata locally", async () => {
    emulator().load({
      metadataKeys: { campaign: "string" },
      runs: [
        {
          runId: "id-sp-a",
          name: "SA",
          stopTime: "2024-04-01T10:00:00Z",
          startTime: "2024-04-01T09:00:00Z",
          metadata: { campaign: "spring" },
        },
        {
          runId: "id-sp-b",
          name: "SB",
          stopTime: "2024-04-01T10:00:00Z",
          startTime: "2024-04-01T09:00:00Z",
          metadata: { campaign: "summer" },
        },
      ],
    });
    const dir = manifestDir({
      "runs.csv":
        "clientKey,name,startTime,stopTime,metadata.campaign\nsp-1,SA,2024-04-01T09:00:00Z,2024-04-01T10:00:00Z,summer\n",
    });
    const { plan } = await planJson(emulator(), [dir, "--adopt-by", "stopTime,metadata.campaign"]);
    expect(adopted(plan)).toEqual([["sp-1", "adopt", "id-sp-b"]]);
  });

  it("by a number key (1200 equals 1200.0) and a boolean key, with ==", async () => {
    emulator().load({
      metadataKeys: { altitude_m: "number", passed: "boolean" },
      runs: [
        { runId: "id-md-1", name: "M1", metadata: { altitude_m: 1200, passed: true } },
        { runId: "id-md-2", name: "M2", metadata: { altitude_m: 1300, passed: true } },
        { runId: "id-md-3", name: "M3", metadata: { altitude_m: 1300, passed: false } },
      ],
    });
    const byNumber = manifestDir({ "runs.csv": "clientKey,metadata.altitude_m\nmd-1,1200.0\n" });
    expect(
      adopted((await planJson(emulator(), [byNumber, "--adopt-by", "metadata.altitude_m"])).plan),
    ).toEqual([["md-1", "adopt", "id-md-1"]]);
    const byBoth = manifestDir({
      "runs.csv": "clientKey,metadata.passed,metadata.altitude_m\nmd-3,false,1300\n",
    });
    const { plan } = await planJson(emulator(), [
      byBoth,
      "--adopt-by",
      "metadata.passed,metadata.altitude_m",
    ]);
    expect(adopted(plan)).toEqual([["md-3", "adopt", "id-md-3"]]);
  });
});
