import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type WireRun } from "../../src/emulator/index.js";
import { callApi, isAfter, query } from "../helpers/emulator.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "emulator-state-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("--state FILE", () => {
  it("keeps every acknowledged write across a restart", async () => {
    const statePath = join(dir, "nested", "state.json");
    const first = await startEmulator({ statePath, seed: "fixtures/local-seed.yaml" });
    const created = await callApi(first, "POST", "/api/v2/runs", {
      name: "survivor",
      clientKey: "state-1",
      startTime: "2024-01-01T00:00:00.123456789Z",
      metadata: [{ key: { name: "altitude_m" }, numberValue: 5 }],
    });
    expect(created.status).toBe(200);
    const runId = created.body.run.runId;
    const updated = await callApi(first, "PATCH", "/api/v2/runs", {
      run: { runId, tags: ["kept"] },
      updateMask: "tags",
    });
    await first.close();

    const second = await startEmulator({ statePath, seed: "fixtures/local-seed.yaml" });
    try {
      const again = await callApi(second, "GET", `/api/v2/runs/${runId}`);
      // duration counts to now (no stop time): equal apart from it.
      expect({ ...again.body.run, duration: 0 }).toEqual({ ...updated.body.run, duration: 0 });
      // The seed is not applied again to a non-empty state.
      const assets = await callApi(second, "GET", "/api/v1/assets");
      expect(assets.body.assets).toHaveLength(5);
      // clientKey stays unique after the restart, and new runs sort after old ones.
      const dup = await callApi(second, "POST", "/api/v2/runs", {
        name: "x",
        clientKey: "state-1",
      });
      expect(dup.status).toBe(409);
      const later = await callApi(second, "POST", "/api/v2/runs", { name: "later" });
      expect(isAfter(later.body.run.createdDate, again.body.run.modifiedDate)).toBe(true);
    } finally {
      await second.close();
    }
    expect((await readdir(join(dir, "nested"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("persists a burst of concurrent writes (group commit)", async () => {
    const statePath = join(dir, "burst.json");
    const emulator = await startEmulator({ statePath });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        callApi(emulator, "POST", "/api/v2/runs", { name: `burst ${i}`, clientKey: `burst-${i}` }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // Each write was on disk before it was answered: read the journal without closing first.
    const journal = (await readFile(`${statePath}.journal`, "utf8")).trimEnd().split("\n");
    const runIds = journal.slice(1).map((line) => JSON.parse(line).run.runId);
    expect(new Set(runIds).size).toBe(40);
    expect(emulator.stats().writes).toBe(40);
    await emulator.close();
  });

  it("refuses to start on a corrupt state file", async () => {
    const statePath = join(dir, "corrupt.json");
    await writeFile(statePath, "{ not json");
    await expect(startEmulator({ statePath })).rejects.toThrow(/corrupt\.json/);
  });
});

describe("--seed FILE", () => {
  it("loads the demo seed: assets, metadata keys and runs", async () => {
    const emulator = await startEmulator({ seed: "fixtures/seed-demo.yaml" });
    try {
      const assets = await callApi(emulator, "GET", `/api/v1/assets${query({ orderBy: "name" })}`);
      expect(assets.body.assets.map((a: { name: string }) => a.name)).toEqual([
        "rig-7",
        "stand-a",
        "stand-b",
        "vehicle-01",
        "vehicle-02",
      ]);
      const keys = await callApi(emulator, "GET", "/api/v1/metadata-keys");
      expect(keys.body.metadataKeys).toHaveLength(4);
      const runs = emulator.runs();
      expect(runs.length).toBeGreaterThanOrEqual(5);
      expect(runs.every((r) => r.clientKey !== undefined)).toBe(true);
      const withAssets = runs.find((r) => r.assetIds !== undefined) as WireRun;
      expect(withAssets.isAdhoc).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it("reads JSON seeds and names the bad item of a seed", async () => {
    const path = join(dir, "seed.json");
    await writeFile(
      path,
      JSON.stringify({ runs: [{ name: "ok" }, { name: "bad", assets: ["ghost"] }] }),
    );
    await expect(startEmulator({ seed: path })).rejects.toThrow(/runs\[1\].*ghost/);
    await writeFile(path, JSON.stringify({ runs: [{ nam: "typo" }] }));
    await expect(startEmulator({ seed: path })).rejects.toThrow(/runs/);
  });

  it("load() adds runs with typed metadata and resolves asset names", async () => {
    const emulator = await startEmulator();
    try {
      emulator.load({
        assets: ["stand-a"],
        metadataKeys: [{ name: "altitude_m", type: "number" }],
        runs: [
          {
            clientKey: "loaded",
            name: "loaded",
            assets: ["stand-a"],
            startTime: "2024-01-01T00:00:00+01:00",
            stopTime: "2024-01-01T00:00:01Z",
            metadata: { altitude_m: "12", campaign: "c" },
            isPinned: true,
          },
        ],
      });
      const [run] = emulator.runs();
      expect(run).toMatchObject({
        clientKey: "loaded",
        startTime: "2023-12-31T23:00:00Z",
        isPinned: true,
        isAdhoc: true,
        metadata: [
          { key: { name: "altitude_m", type: "METADATA_KEY_TYPE_NUMBER" }, numberValue: 12 },
          { key: { name: "campaign", type: "METADATA_KEY_TYPE_STRING" }, stringValue: "c" },
        ],
      });
      expect(() => emulator.load({ runs: [{ name: "dup", clientKey: "loaded" }] })).toThrow(
        /loaded/,
      );
    } finally {
      await emulator.close();
    }
  });
});
