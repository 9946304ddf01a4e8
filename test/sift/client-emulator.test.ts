import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/core/errors.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { celEquals, celIn } from "../../src/sift/cel.js";
import { createSiftClient, type SiftClientOptions } from "../../src/sift/client.js";
import { METADATA_KEY_TYPES } from "../../src/sift/schemas.js";
import { uuidOf } from "../helpers/emulator.js";

const KEY = "sift_emulator_key_0123456789";
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator({
    port: 0,
    apiKey: KEY,
    seed: {
      assets: [{ name: "stand-a", assetId: "asset-a" }],
      metadataKeys: { campaign: "string" },
    },
    ...options,
  });
  return emulator;
}

function clientFor(e: Emulator, options: Partial<SiftClientOptions> = {}) {
  return createSiftClient({
    baseUrl: e.url,
    apiKey: KEY,
    retry: { baseDelayMs: 1, maxDelayMs: 20 },
    ...options,
  });
}

const campaign = (value: string) => ({
  key: { name: "campaign", type: METADATA_KEY_TYPES.string },
  stringValue: value,
});

describe("client against the emulator", () => {
  it("creates, reads, updates and finds a run", async () => {
    const client = clientFor(await start());
    const created = await client.createRun({
      name: "Test 1",
      clientKey: "tv-001",
      tags: ["b", "a"],
      startTime: "2024-01-01T00:00:00+02:00",
      metadata: [campaign("c1")],
    });
    expect(created).toMatchObject({
      name: "Test 1",
      clientKey: "tv-001",
      isPinned: false,
      description: "",
    });
    expect(created.startTime).toBe("2023-12-31T22:00:00Z");
    // An ongoing run's duration counts to now: equal apart from it.
    const read = await client.getRun(created.runId);
    expect({ ...read, duration: "" }).toEqual({ ...created, duration: "" });

    const updated = await client.updateRun({
      run: {
        runId: created.runId,
        name: "Test 1b",
        isPinned: true,
        description: "ignored: not in the mask",
      },
      updateMask: "name,isPinned",
    });
    expect(updated).toMatchObject({
      name: "Test 1b",
      isPinned: true,
      description: "",
      tags: created.tags,
    });

    const adhoc = await client.createAdhocRun({
      name: "Backfill",
      clientKey: "bf-1",
      startTime: "2024-01-01T00:00:00Z",
      stopTime: "2024-01-01T01:30:00.5Z",
      assetIds: ["asset-a"],
    });
    expect(adhoc).toMatchObject({ isAdhoc: true, assetIds: ["asset-a"], duration: "5400.500s" });

    const { runs } = await client.listRuns({ filter: celIn("client_key", ["tv-001", "bf-1"]) });
    expect(runs.map((r) => r.runId).sort()).toEqual([created.runId, adhoc.runId].sort());
    const assets = [];
    for await (const a of client.listAllAssets(celEquals("name", "stand-a"))) assets.push(a);
    expect(assets).toEqual([{ assetId: "asset-a", name: "stand-a" }]);
    const keys = [];
    for await (const k of client.listAllMetadataKeys()) keys.push(k);
    expect(keys).toEqual([{ name: "campaign", type: METADATA_KEY_TYPES.string }]);
  });

  it("pages through 2,500 runs in 3 requests of 1000", async () => {
    const e = await start();
    e.load({
      runs: Array.from({ length: 2500 }, (_, i) => ({ name: `r${i}`, clientKey: `k${i}` })),
    });
    const client = clientFor(e);
    const keys = new Set<string>();
    for await (const run of client.listAllRuns()) keys.add(run.clientKey ?? "");
    expect(keys.size).toBe(2500);
    expect(e.stats().requests.ListRuns).toBe(3);
  });

  it("finds a hostile clientKey exactly, and nothing else", async () => {
    const e = await start();
    const hostile = ["x' || true || 'y", 'q"\\', "it's", "plain"];
    e.load({
      runs: [...hostile, "x", "y", "other"].map((clientKey) => ({ name: clientKey, clientKey })),
    });
    const client = clientFor(e);
    for (const key of hostile) {
      const { runs } = await client.listRuns({ filter: celEquals("client_key", key) });
      expect(runs.map((r) => r.clientKey)).toEqual([key]);
    }
    const { runs } = await client.listRuns({ filter: celIn("client_key", hostile) });
    expect(runs.map((r) => r.clientKey).sort()).toEqual([...hostile].sort());
  });

  it("surfaces a duplicate clientKey as 409 / grpcCode 6, without retrying", async () => {
    const e = await start();
    const client = clientFor(e);
    await client.createRun({ name: "one", clientKey: "dup" });
    const error = await client
      .createRun({ name: "two", clientKey: "dup" })
      .catch((x: unknown) => x);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, grpcCode: 6, request: "POST /api/v2/runs" });
    expect(e.stats().requests.CreateRun).toBe(2);
  });

  it("reports a wrong key as 401 without retrying, and without the key", async () => {
    const e = await start();
    const client = createSiftClient({ baseUrl: e.url, apiKey: "sift_wrong_key_987654" });
    const error = (await client.listRuns().catch((x: unknown) => x)) as ApiError;
    expect(error).toMatchObject({ status: 401, grpcCode: 16 });
    expect(error.message).not.toContain("sift_wrong_key_987654");
    expect(e.stats().total).toBe(1);
  });

  it("gets 50 creates through a 30% fault rate: each created once, or 409 after a lost answer", async () => {
    const e = await start({ faultRate: 0.3, faultSeed: 42, retryAfterSeconds: 0 });
    const client = clientFor(e, { retry: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: 12 } });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.createRun({ name: `run ${i}`, clientKey: `fault-${i}` }).then(
          () => "created",
          (error: unknown) =>
            error instanceof ApiError && error.grpcCode === 6 ? "exists" : error,
        ),
      ),
    );
    expect(outcomes.filter((o) => o !== "created" && o !== "exists")).toEqual([]);
    const keys = e.runs().map((r) => r.clientKey);
    expect(keys).toHaveLength(50);
    expect(new Set(keys).size).toBe(50);
    const faults = e.stats().faults;
    expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(client.stats().retries).toBeGreaterThan(0);
  });

  it("keeps the emulator's in-flight count within the pool's concurrency", async () => {
    const e = await start({ latencyMs: 20 });
    e.load({ runs: Array.from({ length: 30 }, (_, i) => ({ runId: uuidOf(i), name: `r${i}` })) });
    const client = clientFor(e, { concurrency: 4 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => client.getRun(uuidOf(i))));
    expect(e.stats().maxInFlight).toBeLessThanOrEqual(4);
    expect(client.stats().pool.maxInFlight).toBe(4);
    expect(e.stats().requests.GetRun).toBe(30);
  });
});
