import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator, type WireRun } from "../../src/emulator/index.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/**
 * Tags have ids: runs and assets hold tag names on the wire, and `tag_id` /
 * `asset_tag_id` filters compare the ids of the tags so named (sift-api.md: "a tag's id,
 * not its name"). A tag is made when something first names it, or seeded with its id.
 */

const emulator = useEmulator();

beforeAll(() => {
  emulator().load({
    tags: [{ name: "hot", tagId: "tag-hot" }, { name: "cold", tagId: "tag-cold" }, "spare"],
    assets: [
      { name: "stand-a", assetId: "asset-a", tags: ["hot"] },
      { name: "stand-b", assetId: "asset-b", tags: ["vibe"] },
    ],
    runs: [
      { clientKey: "t1", name: "one", tags: ["hot"], assets: ["stand-a"] },
      { clientKey: "t2", name: "two", tags: ["cold", "hot"] },
      { clientKey: "t3", name: "three", tags: ["nightly"], assets: ["stand-b"] },
      { clientKey: "t4", name: "four" },
    ],
  });
});

async function clientKeys(filter: string): Promise<string[]> {
  const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query({ filter })}`);
  expect(status, `${filter}: ${JSON.stringify(body)}`).toBe(200);
  return body.runs.map((r: WireRun) => r.clientKey).sort();
}

function tagId(name: string): string {
  const tag = emulator()
    .tags()
    .find((t) => t.name === name);
  if (tag === undefined) throw new Error(`no tag ${name}`);
  return tag.tagId;
}

describe("tag ids", () => {
  it("tag_id == and in compare ids; a tag's name is not its id", async () => {
    expect(await clientKeys("tag_id == 'tag-hot'")).toEqual(["t1", "t2"]);
    expect(await clientKeys("tag_id in ['tag-cold', 'tag-none']")).toEqual(["t2"]);
    expect(await clientKeys("tag_id == 'hot'")).toEqual([]);
    expect(await clientKeys("tag_id == 'tag-hot' && tag_id == 'tag-cold'")).toEqual([]);
    expect(await clientKeys("tag_id == null")).toEqual(["t4"]);
  });

  it("runs carry tag names on the wire", async () => {
    const { body } = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ filter: "client_key == 't2'" })}`,
    );
    expect(body.runs[0].tags).toEqual(["cold", "hot"]);
  });

  it("a tag first named by a seed run or asset gets an id of its own", async () => {
    const nightly = tagId("nightly");
    expect(nightly).toMatch(/^[0-9a-f-]{36}$/);
    expect(await clientKeys(`tag_id == '${nightly}'`)).toEqual(["t3"]);
    expect(tagId("vibe")).not.toBe(nightly);
    expect(emulator().tags().slice(0, 3)).toEqual([
      { tagId: "tag-hot", name: "hot" },
      { tagId: "tag-cold", name: "cold" },
      { tagId: expect.any(String), name: "spare" },
    ]);
  });

  it("asset_tag_id compares the ids of the run's assets' tags", async () => {
    expect(await clientKeys("asset_tag_id == 'tag-hot'")).toEqual(["t1"]);
    expect(await clientKeys(`asset_tag_id == '${tagId("vibe")}'`)).toEqual(["t3"]);
    expect(await clientKeys("asset_tag_id == 'vibe'")).toEqual([]);
  });

  it("CreateRun and UpdateRun make a new tag once; a trimmed name is the same tag", async () => {
    const before = emulator().tags().length;
    const created = await callApi(emulator(), "POST", "/api/v2/runs", {
      name: "five",
      clientKey: "t5",
      tags: [" fresh ", "hot"],
    });
    expect(created.status).toBe(200);
    expect(created.body.run.tags).toEqual(["fresh", "hot"]);
    const fresh = tagId("fresh");
    expect(emulator().tags()).toHaveLength(before + 1);
    expect(await clientKeys(`tag_id == '${fresh}'`)).toEqual(["t5"]);

    const runId = emulator()
      .runs()
      .find((r) => r.clientKey === "t4")!.runId;
    const updated = await callApi(emulator(), "PATCH", "/api/v2/runs", {
      run: { runId, tags: ["fresh", "later"] },
      updateMask: "tags",
    });
    expect(updated.status).toBe(200);
    expect(tagId("fresh")).toBe(fresh);
    expect(await clientKeys(`tag_id == '${fresh}'`)).toEqual(["t4", "t5"]);
    expect(await clientKeys(`tag_id == '${tagId("later")}'`)).toEqual(["t4"]);
  });

  it("a refused write makes no tag", async () => {
    const before = emulator().tags().length;
    const refused = await callApi(emulator(), "POST", "/api/v2/runs", {
      name: "dup",
      clientKey: "t1",
      tags: ["never"],
    });
    expect(refused.status).toBe(409);
    expect(emulator().tags()).toHaveLength(before);
  });

  it("a seed naming an existing tag or id is refused, naming the item", () => {
    expect(() => emulator().load({ tags: ["hot"] })).toThrow(/tags\[0\].*hot/);
    expect(() => emulator().load({ tags: [{ name: "new", tagId: "tag-cold" }] })).toThrow(
      /tag-cold/,
    );
  });
});

describe("tag ids under --state", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "emulator-tags-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function tagFilter(e: Emulator, id: string): Promise<string[]> {
    const { body } = await callApi(
      e,
      "GET",
      `/api/v2/runs${query({ filter: `tag_id == '${id}'` })}`,
    );
    return body.runs.map((r: WireRun) => r.clientKey);
  }

  it("keeps ids across a restart, from the journal and from the snapshot", async () => {
    const statePath = join(dir, "state.json");
    const first = await startEmulator({ statePath, seed: { tags: [{ name: "hot", tagId: "h" }] } });
    const created = await callApi(first, "POST", "/api/v2/runs", {
      name: "tagged",
      clientKey: "s1",
      tags: ["hot", "made-here"],
    });
    expect(created.status).toBe(200);
    const tags = first.tags();
    const madeHere = tags.find((t) => t.name === "made-here")!.tagId;
    // As a crash would leave them: the journal holds the new tag.
    await mkdir(join(dir, "crash"));
    const copy = join(dir, "crash", "state.json");
    await copyFile(statePath, copy);
    await copyFile(`${statePath}.journal`, `${copy}.journal`);
    await first.close();

    for (const path of [copy, statePath]) {
      const again = await startEmulator({ statePath: path });
      try {
        expect(again.tags(), path).toEqual(tags);
        expect(await tagFilter(again, madeHere)).toEqual(["s1"]);
        expect(await tagFilter(again, "h")).toEqual(["s1"]);
      } finally {
        await again.close();
      }
    }
  });

  it("a state file from before tag ids loads: its tags get ids", async () => {
    const statePath = join(dir, "v1.json");
    const run = {
      seq: 0,
      runId: "r1",
      createdDate: "2024-01-01T00:00:00Z",
      modifiedDate: "2024-01-01T00:00:00Z",
      name: "old",
      description: "",
      tags: ["legacy"],
      isPinned: false,
      clientKey: "v1",
      metadata: [],
      assetIds: [],
      isAdhoc: false,
      defaultReportId: "",
    };
    await writeFile(
      statePath,
      JSON.stringify({ version: 1, assets: [], metadataKeys: [], runs: [run] }),
    );
    const e = await startEmulator({ statePath });
    try {
      const [legacy] = e.tags();
      expect(legacy?.name).toBe("legacy");
      expect(await tagFilter(e, legacy!.tagId)).toEqual(["v1"]);
    } finally {
      await e.close();
    }
  });
});
