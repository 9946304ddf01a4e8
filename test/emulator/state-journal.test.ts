import { appendFile, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { createRun } from "../../src/emulator/run-writes.js";
import { StateFile } from "../../src/emulator/state-file.js";
import { Store } from "../../src/emulator/store.js";
import { callApi } from "../helpers/emulator.js";

/**
 * `--state FILE` is a snapshot (FILE) plus a journal (FILE.journal) of the records each write
 * changed. The files a crash leaves are the files as they are while the emulator runs: these
 * tests copy them aside before closing and start a second emulator on the copy.
 */

const SEED = "fixtures/local-seed.yaml";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "emulator-journal-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Creates, updates (a new metadata key too), archives, and a burst of concurrent creates. */
async function writeSome(emulator: Emulator): Promise<void> {
  const post = async (path: string, body: object) => {
    const answer = await callApi(emulator, "POST", path, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.run.runId as string;
  };
  const patch = async (body: object) => {
    const answer = await callApi(emulator, "PATCH", "/api/v2/runs", body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  const a = await post("/api/v2/runs", { name: "a", clientKey: "j-a" });
  const b = await post("/api/v2/runs:adhoc", {
    name: "b",
    clientKey: "j-b",
    startTime: "2024-01-01T00:00:00Z",
    stopTime: "2024-01-01T01:00:00Z",
    assetIds: ["asset-stand-a"],
  });
  const c = await post("/api/v2/runs", { name: "c", description: "to archive" });
  await patch({
    run: {
      runId: a,
      name: "a renamed",
      tags: ["kept"],
      metadata: [
        { key: { name: "journal_key", type: "METADATA_KEY_TYPE_STRING" }, stringValue: "v" },
      ],
    },
    updateMask: "name,tags,metadata",
  });
  await patch({ run: { runId: c, isArchived: true }, updateMask: "isArchived" });
  await patch({ run: { runId: c, clientKey: "j-c" }, updateMask: "clientKey" });
  await patch({ run: { runId: b, description: "" }, updateMask: "description" });
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      post("/api/v2/runs", { name: `burst ${i}`, clientKey: `j-${i}` }),
    ),
  );
}

/** Everything a client can read back: runs (all, in creation order), assets, metadata keys. */
async function readState(emulator: Emulator) {
  const assets = await callApi(emulator, "GET", "/api/v1/assets?pageSize=1000");
  const keys = await callApi(emulator, "GET", "/api/v1/metadata-keys?pageSize=1000");
  // duration counts to now for a run without a stop time: not part of the state.
  const runs = emulator.runs().map((run) => ({ ...run, duration: undefined }));
  return { runs, assets: assets.body.assets, metadataKeys: keys.body.metadataKeys };
}

/** Copies FILE and FILE.journal to `to/`, as a crash at this moment would leave them. */
async function copyState(statePath: string, to: string): Promise<string> {
  await mkdir(to, { recursive: true });
  const copy = join(to, "state.json");
  await copyFile(statePath, copy);
  await copyFile(`${statePath}.journal`, `${copy}.journal`);
  return copy;
}

async function journalRecords(
  statePath: string,
): Promise<Record<string, { runId?: string; clientKey?: string }>[]> {
  const lines = (await readFile(`${statePath}.journal`, "utf8")).split("\n");
  expect(lines.pop()).toBe(""); // every line complete
  expect(Object.keys(JSON.parse(lines[0]!))).toEqual(["journalId"]);
  return lines.slice(1).map((line) => JSON.parse(line));
}

async function withEmulator<T>(statePath: string, use: (e: Emulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator({ statePath, seed: SEED });
  try {
    return await use(emulator);
  } finally {
    await emulator.close();
  }
}

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
      expect(snapshot).toMatchObject({ version: 2, journalId: expect.any(String) });
      expect(snapshot.runs).toHaveLength(33);
      // And a clean close leaves FILE alone, which loads to the same state.
      await expect(readFile(`${crashed}.journal`)).rejects.toMatchObject({ code: "ENOENT" });
      expect(await withEmulator(crashed, readState)).toEqual(before);
      // The first emulator's own close compacted too.
      expect(await withEmulator(statePath, readState)).toEqual(before);
    },
  );

  it("ignores a journal left by a crash between writing a new snapshot and restarting it", async () => {
    const statePath = join(dir, "stale", "state.json");
    const oldJournal = join(dir, "stale", "old.journal");
    await withEmulator(statePath, async (emulator) => {
      await writeSome(emulator);
      await copyFile(`${statePath}.journal`, oldJournal);
    });
    // A later session changes run j-a again; its close compacts into a newer snapshot.
    const latest = await withEmulator(statePath, async (emulator) => {
      const runId = emulator.runs().find((run) => run.clientKey === "j-a")!.runId;
      const answer = await callApi(emulator, "PATCH", "/api/v2/runs", {
        run: { runId, name: "a final" },
        updateMask: "name",
      });
      expect(answer.status).toBe(200);
      return readState(emulator);
    });
    // The old journal names another snapshot: replaying it would bring back "a renamed".
    await copyFile(oldJournal, `${statePath}.journal`);
    const after = await withEmulator(statePath, readState);
    expect(after).toEqual(latest);
    expect(after.runs.find((run) => run.clientKey === "j-a")!.name).toBe("a final");
  });

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
          runId: "run-old",
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
      const run = await callApi(emulator, "GET", "/api/v2/runs/run-old");
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
    expect(upgraded.version).toBe(2);
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
