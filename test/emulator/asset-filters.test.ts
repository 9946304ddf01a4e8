import { beforeAll, describe, expect, it } from "vitest";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/**
 * ListAssets filters over the fields sift-api.md documents: asset_id, name, name_lower,
 * tag_id, tag_name, created_by_user_id, modified_by_user_id, created_date, modified_date,
 * archived_date, is_archived, metadata.
 */

const emulator = useEmulator();

interface WireAsset {
  assetId: string;
  name: string;
  createdDate: string;
  modifiedDate: string;
  archivedDate?: string | null;
  isArchived?: boolean;
  tags?: string[];
  metadata?: { key: { name: string }; stringValue?: string; numberValue?: number }[];
}

beforeAll(() => {
  emulator().load({
    tags: [{ name: "hot", tagId: "tag-hot" }],
    metadataKeys: { site: "string", bay: "number" },
    assets: [
      { name: "Stand-A", assetId: "a1", tags: ["hot"], metadata: { site: "north", bay: 1 } },
      { name: "stand-b", assetId: "a2", tags: ["cold"], metadata: { site: "south" } },
      { name: "Rig-7", assetId: "a3", isArchived: true, metadata: { bay: 7 } },
      { name: "rig-8", assetId: "a4" },
      { name: "rig-9", assetId: "a5", isArchived: true, tags: ["hot", "cold"] },
    ],
  });
});

async function listAssets(params: Record<string, string | number | undefined>) {
  const { status, body } = await callApi(emulator(), "GET", `/api/v1/assets${query(params)}`);
  expect(status, `${JSON.stringify(params)}: ${JSON.stringify(body)}`).toBe(200);
  return (body.assets ?? []) as WireAsset[];
}

async function names(filter: string): Promise<string[]> {
  return (await listAssets({ filter, orderBy: "created_date" })).map((a) => a.name);
}

describe("ListAssets filter fields", () => {
  it("asset_id, name, name_lower", async () => {
    expect(await names("asset_id == 'a2'")).toEqual(["stand-b"]);
    expect(await names("asset_id in ['a1', 'a4', 'zz']")).toEqual(["Stand-A", "rig-8"]);
    expect(await names("name == 'Stand-A'")).toEqual(["Stand-A"]);
    expect(await names("name.startsWith('rig')")).toEqual(["rig-8", "rig-9"]);
    expect(await names("name_lower.startsWith('rig')")).toEqual(["Rig-7", "rig-8", "rig-9"]);
    expect(await names("name_lower == 'stand-a'")).toEqual(["Stand-A"]);
  });

  it("tag_id compares tag ids, tag_name tag names", async () => {
    expect(await names("tag_id == 'tag-hot'")).toEqual(["Stand-A", "rig-9"]);
    expect(await names("tag_id == 'hot'")).toEqual([]);
    const cold = emulator()
      .tags()
      .find((t) => t.name === "cold")!.tagId;
    expect(await names(`tag_id == '${cold}'`)).toEqual(["stand-b", "rig-9"]);
    expect(await names("tag_name == 'cold'")).toEqual(["stand-b", "rig-9"]);
    expect(await names("tag_name == 'hot' && tag_name == 'cold'")).toEqual([]);
    expect(await names("tag_id == null")).toEqual(["Rig-7", "rig-8"]);
  });

  it("created_by_user_id and modified_by_user_id", async () => {
    const all = ["Stand-A", "stand-b", "Rig-7", "rig-8", "rig-9"];
    expect(await names("created_by_user_id == 'user-local'")).toEqual(all);
    expect(await names("modified_by_user_id == 'user-local'")).toEqual(all);
    expect(await names("created_by_user_id != 'user-local'")).toEqual([]);
    expect(await names("modified_by_user_id == 'someone-else'")).toEqual([]);
  });

  it("created_date and modified_date, to the nanosecond", async () => {
    const assets = await listAssets({ orderBy: "created_date" });
    const third = assets[2]!;
    expect(await names(`created_date >= timestamp('${third.createdDate}')`)).toEqual([
      "Rig-7",
      "rig-8",
      "rig-9",
    ]);
    expect(await names(`created_date < timestamp('${third.createdDate}')`)).toEqual([
      "Stand-A",
      "stand-b",
    ]);
    expect(await names(`modified_date > timestamp('${third.modifiedDate}')`)).toEqual([
      "rig-8",
      "rig-9",
    ]);
  });

  it("archived_date and is_archived", async () => {
    expect(await names("is_archived == true")).toEqual(["Rig-7", "rig-9"]);
    expect(await names("is_archived == false")).toEqual(["Stand-A", "stand-b", "rig-8"]);
    expect(await names("archived_date != null")).toEqual(["Rig-7", "rig-9"]);
    expect(await names("archived_date == null")).toEqual(["Stand-A", "stand-b", "rig-8"]);
    expect(await names("archived_date > timestamp('2000-01-01T00:00:00Z')")).toEqual([
      "Rig-7",
      "rig-9",
    ]);
  });

  it("metadata by key, missing keys read as null", async () => {
    expect(await names("metadata['site'] == 'north'")).toEqual(["Stand-A"]);
    expect(await names("metadata.bay > 1")).toEqual(["Rig-7"]);
    expect(await names("metadata['site'] == null")).toEqual(["Rig-7", "rig-8", "rig-9"]);
    expect(await names("metadata['bay'] != null && metadata['site'] != null")).toEqual(["Stand-A"]);
  });

  it("400 for a field assets do not have", async () => {
    for (const filter of ["client_key == 'x'", "asset_name == 'x'", "start_time == null"]) {
      const { status, body } = await callApi(
        emulator(),
        "GET",
        `/api/v1/assets${query({ filter })}`,
      );
      expect(status, filter).toBe(400);
      expect(body.code).toBe(3);
    }
  });
});

describe("archived assets and asset metadata on the wire", () => {
  it("carry archivedDate, isArchived and metadata values", async () => {
    const [rig7] = await listAssets({ filter: "asset_id == 'a3'" });
    expect(rig7!.isArchived).toBe(true);
    expect(rig7!.archivedDate).toBe(rig7!.createdDate);
    expect(rig7!.metadata).toEqual([
      expect.objectContaining({ key: expect.objectContaining({ name: "bay" }), numberValue: 7 }),
    ]);
    const [standA] = await listAssets({ filter: "asset_id == 'a1'" });
    expect(standA!.isArchived ?? false).toBe(false);
    expect(standA!.archivedDate ?? null).toBe(null);
    expect(standA!.tags).toEqual(["hot"]);
  });

  it("order by archived_date: archived first by date, never-archived last either way", async () => {
    const order = async (orderBy: string) =>
      (await listAssets({ orderBy, pageSize: 2 })).map((a) => a.name);
    const all = async (orderBy: string) => {
      const out: string[] = [];
      let pageToken: string | undefined;
      do {
        const { body } = await callApi(
          emulator(),
          "GET",
          `/api/v1/assets${query({ orderBy, pageSize: 2, pageToken })}`,
        );
        out.push(...body.assets.map((a: WireAsset) => a.name));
        pageToken = body.nextPageToken || undefined;
      } while (pageToken !== undefined);
      return out;
    };
    expect(await order("archived_date")).toEqual(["Rig-7", "rig-9"]);
    expect(await all("archived_date")).toEqual(["Rig-7", "rig-9", "Stand-A", "stand-b", "rig-8"]);
    expect(await all("archived_date desc")).toEqual([
      "rig-9",
      "Rig-7",
      "Stand-A",
      "stand-b",
      "rig-8",
    ]);
    expect(await all("archived_date desc,name desc")).toEqual([
      "rig-9",
      "Rig-7",
      "stand-b",
      "rig-8",
      "Stand-A",
    ]);
  });
});
