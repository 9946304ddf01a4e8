import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { createRun } from "../../src/emulator/run-writes.js";
import { StateFile } from "../../src/emulator/state-file.js";
import { Store } from "../../src/emulator/store.js";
import { callApi } from "../helpers/emulator.js";
import {
  copyState,
  journalRecords,
  readState,
  SEED,
  withEmulator,
  writeSome,
} from "./state-support.js";

/**
 * `--state FILE` is a snapshot (FILE) plus a journal (FILE.journal) of the records each write
 * changed. The files a crash leaves are the files as they are while the emulator runs: these
 * tests copy them aside before closing and start a second emulator on the copy.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "emulator-journal-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("--state journal", () => {
  it.each(["write", "disk"] as const)(
    "a crash keeps every answered write (--state-sync %s); start compacts into an equivalent snapshot",
    async (stateSync) => {
      const statePath = join(dir, `crash-${stateSync}`, "state.json");
      const first = await startEmulator({ statePath, seed: SEED, stateSync });
      let before;
      let crashed: string;
      try {
        await writeSome(first);
        before = await readState(first);
        // Each write appended only its records: 33 creates + 4 updates, the seed, 1 new key.
        const records = await journalRecords(statePath);
        expect(records.filter((r) => r.run !== undefined)).toHaveLength(37);
        expect(records.filter((r) => r.metadataKey !== undefined)).toHaveLength(4 + 1);
        crashed = await copyState(statePath, join(dir, `crash-${stateSync}`, "copy"));
      } finally {
        await first.close();
      }

      const after = await withEmulator(crashed, readState);
      expect(after).toEqual(before);
      // Start compacted: the snapshot holds everything, the journal only its header.
      const snapshot = JSON.parse(await readFile(crashed, "utf8"));
      expect(snapshot).toMatchObject({ version: 3, journalId: expect.any(String) });
      expect(snapshot.runs).toHaveLength(33);
      // And a clean close leaves FILE alone, which loads to the same state.
      await expect(readFile(`${crashed}.journal`)).rejects.toMatchObject({ code: "ENOENT" });
      expect(await withEmulator(crashed, readState)).toEqual(before);
      // The first emulator's own close compacted too.
      expect(await withEmulator(statePath, readState)).toEqual(before);
    },
  );

  it("ignores a torn final line: the commit a crash cut short was never answered", async () => {
    const statePath = join(dir, "torn", "state.json");
    const first = await startEmulator({ statePath, seed: SEED });
    let before;
    let crashed: string;
    try {
      await writeSome(first);
      before = await readState(first);
      crashed = await copyState(statePath, join(dir, "torn", "copy"));
    } finally {
      await first.close();
    }
    await appendFile(`${crashed}.journal`, '{"run":{"runId":"half-written","name":"tor');
    expect(await withEmulator(crashed, readState)).toEqual(before);
  });

  it("refuses a corrupt line in the middle, naming the file and line", async () => {
    const statePath = join(dir, "corrupt", "state.json");
    const first = await startEmulator({ statePath, seed: SEED });
    let crashed: string;
    try {
      await writeSome(first);
      crashed = await copyState(statePath, join(dir, "corrupt", "copy"));
    } finally {
      await first.close();
    }
    const lines = (await readFile(`${crashed}.journal`, "utf8")).split("\n");
    lines[2] = lines[2]!.slice(0, 20);
    await writeFile(`${crashed}.journal`, lines.join("\n"));
    await expect(startEmulator({ statePath: crashed })).rejects.toThrow(
      /state journal .*copy\/state\.json\.journal:3 is not valid JSON/,
    );
    lines[2] = '{"note":"not a record"}';
    await writeFile(`${crashed}.journal`, lines.join("\n"));
    await expect(startEmulator({ statePath: crashed })).rejects.toThrow(
      /state\.json\.journal:3 is not a record/,
    );
  });

  it("loads a version 1 state file (one whole document) and upgrades it on start", async () => {
    const statePath = join(dir, "v1", "state.json");
    await mkdir(join(dir, "v1"));
    const v1 = {
      version: 1,
      assets: [
        {
          seq: 0,
          assetId: "asset-old",
          name: "old rig",
          tags: [],
          createdDate: "2024-01-01T00:00:00Z",
        },
      ],
      metadataKeys: [
        { seq: 0, name: "campaign", type: "string", createdDate: "2024-01-01T00:00:00Z" },
      ],
      runs: [
        {
          seq: 0,
          runId: "0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b",
          createdDate: "2024-01-02T00:00:00Z",
          modifiedDate: "2024-01-03T00:00:00Z",
          name: "from v1",
          description: "",
          tags: ["t"],
          startTime: "2024-01-01T00:00:00Z",
          stopTime: "2024-01-01T00:10:00Z",
          isPinned: false,
          clientKey: "old-1",
          metadata: [{ name: "campaign", type: "string", value: "c1" }],
          assetIds: ["asset-old"],
          isAdhoc: true,
          defaultReportId: "",
        },
      ],
    };
    await writeFile(statePath, JSON.stringify(v1));
    await withEmulator(statePath, async (emulator) => {
      const run = await callApi(
        emulator,
        "GET",
        "/api/v2/runs/0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b",
      );
      expect(run.status).toBe(200);
      expect(run.body.run).toMatchObject({
        name: "from v1",
        clientKey: "old-1",
        assetIds: ["asset-old"],
        metadata: [{ key: { name: "campaign" }, stringValue: "c1" }],
      });
      const created = await callApi(emulator, "POST", "/api/v2/runs", { name: "new" });
      expect(created.status).toBe(200);
    });
    const upgraded = JSON.parse(await readFile(statePath, "utf8"));
    expect(upgraded.version).toBe(3);
    expect(upgraded.runs.map((r: { name: string }) => r.name)).toEqual(["from v1", "new"]);
  });
});

describe("--state group commit", () => {
  it("a burst of concurrent writes shares one append", async () => {
    const statePath = join(dir, "group", "state.json");
    await mkdir(join(dir, "group"));
    const store = new Store();
    const state = await StateFile.open(statePath, store);
    try {
      // 50 writes at once, as 50 requests arriving together would make them.
      const persisted = Array.from({ length: 50 }, (_, i) => {
        createRun(store, { name: `burst ${i}`, clientKey: `g-${i}` });
        return state.persist();
      });
      await Promise.all(persisted);
      // The commit gathers every write made before it starts: all 50.
      expect(state.journalStats()).toEqual({ records: 50, commits: 1 });
      // A write made once a commit has taken its changes goes to the next one.
      createRun(store, { name: "before", clientKey: "g-before" });
      const first = state.persist();
      await new Promise((resolve) => setImmediate(resolve));
      createRun(store, { name: "after", clientKey: "g-after" });
      await Promise.all([first, state.persist()]);
      expect(state.journalStats()).toEqual({ records: 52, commits: 3 });
      const records = await journalRecords(statePath);
      expect(records.map((r) => r.run?.clientKey)).toEqual([
        ...Array.from({ length: 50 }, (_, i) => `g-${i}`),
        "g-before",
        "g-after",
      ]);
    } finally {
      await state.close();
    }
  });
});
