import { copyFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { callApi } from "../helpers/emulator.js";

/** Helpers of the `--state` tests: writes of every kind, the state read back, crash copies. */

export const SEED = "fixtures/local-seed.yaml";

/** Creates, updates (a new metadata key too), archives, and a burst of concurrent creates. */
export async function writeSome(emulator: Emulator, prefix = "j"): Promise<void> {
  const post = async (path: string, body: object) => {
    const answer = await callApi(emulator, "POST", path, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.run.runId as string;
  };
  const patch = async (body: object) => {
    const answer = await callApi(emulator, "PATCH", "/api/v2/runs", body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  const a = await post("/api/v2/runs", { name: "a", clientKey: `${prefix}-a` });
  const b = await post("/api/v2/runs:adhoc", {
    name: "b",
    clientKey: `${prefix}-b`,
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
  await patch({ run: { runId: c, clientKey: `${prefix}-c` }, updateMask: "clientKey" });
  await patch({ run: { runId: b, description: "" }, updateMask: "description" });
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      post("/api/v2/runs", { name: `burst ${i}`, clientKey: `${prefix}-${i}` }),
    ),
  );
}

/** Everything a client can read back: runs (all, in creation order), assets, metadata keys. */
export async function readState(emulator: Emulator) {
  const assets = await callApi(emulator, "GET", "/api/v1/assets?pageSize=1000");
  const keys = await callApi(emulator, "GET", "/api/v1/metadata-keys?pageSize=1000");
  // duration counts to now for a run without a stop time: not part of the state.
  const runs = emulator.runs().map((run) => ({ ...run, duration: undefined }));
  return { runs, assets: assets.body.assets, metadataKeys: keys.body.metadataKeys };
}

/** Copies FILE and FILE.journal to `to/`, as a crash at this moment would leave them. */
export async function copyState(statePath: string, to: string): Promise<string> {
  await mkdir(to, { recursive: true });
  const copy = join(to, "state.json");
  await copyFile(statePath, copy);
  await copyFile(`${statePath}.journal`, `${copy}.journal`);
  return copy;
}

export async function journalRecords(
  statePath: string,
): Promise<Record<string, { runId?: string; clientKey?: string }>[]> {
  const lines = (await readFile(`${statePath}.journal`, "utf8")).split("\n");
  expect(lines.pop()).toBe(""); // every line complete
  expect(Object.keys(JSON.parse(lines[0]!))).toEqual(["journalId"]);
  return lines.slice(1).map((line) => JSON.parse(line));
}

export async function withEmulator<T>(
  statePath: string,
  use: (e: Emulator) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator({ statePath, seed: SEED });
  try {
    return await use(emulator);
  } finally {
    await emulator.close();
  }
}
