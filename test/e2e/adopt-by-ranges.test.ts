import { describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
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
        {
          runId: "81cc7642-9571-4453-8e23-bccbcacdfd78",
          name: "A",
          startTime: "2024-02-01T10:00:00Z",
        },
        // The same second, one nanosecond later: the range finds it, the local check tells them apart.
        {
          runId: "9dd48647-1f12-4f40-8ace-d9db49479345",
          name: "B",
          startTime: "2024-02-01T10:00:00.000000001Z",
        },
        // Between two rows' times: listed with them, adopted by none.
        {
          runId: "88bc5f21-78e8-4b75-81b5-94cd699aba3d",
          name: "M",
          startTime: "2024-02-01T10:00:30Z",
        },
        {
          runId: "7be612e9-52cd-4e4c-8fc3-9d02a2c58d7a",
          name: "F",
          startTime: "2025-06-01T00:00:00Z",
        },
        // Agrees, but has a clientKey: never adopted.
        {
          runId: "435e7e2c-23fd-42e7-8bb2-9b29ecc7306d",
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
      ["st-1", "adopt", "81cc7642-9571-4453-8e23-bccbcacdfd78"],
      ["st-2", "adopt", "9dd48647-1f12-4f40-8ace-d9db49479345"],
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
        runId: uuidFor(`id-yr-${i}`),
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
    // --no-cache: the requests counted are the lookups', not the sync cache's own listing.
    const args = ["apply", dir, "--adopt-by", "startTime", "--no-cache"];
    const applied = await runCli(emulator(), args);
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
          runId: "782521e5-cf2e-4a3e-85a9-29621ef05def",
          name: "SA",
          stopTime: "2024-04-01T10:00:00Z",
          startTime: "2024-04-01T09:00:00Z",
          metadata: { campaign: "spring" },
        },
        {
          runId: "b4325988-dfb8-4db3-88c7-d462e276ee58",
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
    expect(adopted(plan)).toEqual([["sp-1", "adopt", "b4325988-dfb8-4db3-88c7-d462e276ee58"]]);
  });

  it("by a number key (1200 equals 1200.0) and a boolean key, with ==", async () => {
    emulator().load({
      metadataKeys: { altitude_m: "number", passed: "boolean" },
      runs: [
        {
          runId: "e6ba44c0-f148-4a88-8c4d-e2766bf375c3",
          name: "M1",
          metadata: { altitude_m: 1200, passed: true },
        },
        {
          runId: "6ccebc32-38aa-4cfa-821b-0745bbe94b3b",
          name: "M2",
          metadata: { altitude_m: 1300, passed: true },
        },
        {
          runId: "922205f9-d072-49ec-866e-e13fa24b691d",
          name: "M3",
          metadata: { altitude_m: 1300, passed: false },
        },
      ],
    });
    const byNumber = manifestDir({ "runs.csv": "clientKey,metadata.altitude_m\nmd-1,1200.0\n" });
    expect(
      adopted((await planJson(emulator(), [byNumber, "--adopt-by", "metadata.altitude_m"])).plan),
    ).toEqual([["md-1", "adopt", "e6ba44c0-f148-4a88-8c4d-e2766bf375c3"]]);
    const byBoth = manifestDir({
      "runs.csv": "clientKey,metadata.passed,metadata.altitude_m\nmd-3,false,1300\n",
    });
    const { plan } = await planJson(emulator(), [
      byBoth,
      "--adopt-by",
      "metadata.passed,metadata.altitude_m",
    ]);
    expect(adopted(plan)).toEqual([["md-3", "adopt", "922205f9-d072-49ec-866e-e13fa24b691d"]]);
  });
});
