import { beforeAll, describe, expect, it } from "vitest";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/** ListMetadataKeys and ListAssets `orderBy`, as Sift documents them. */

const emulator = useEmulator();
/** Created in this order; names not in creation order. */
const KEYS = ["mango", "apple", "kiwi", "banana", "cherry", "date", "fig"];
const ASSETS = ["stand-c", "stand-a", "rig-1", "stand-b", "rig-0"];

beforeAll(() => {
  emulator().load({
    metadataKeys: KEYS.map((name) => ({ name, type: "string" as const })),
    assets: ASSETS,
  });
});

async function listNames(path: string, params: Record<string, string | number | undefined>) {
  const names: string[] = [];
  let pageToken: string | undefined;
  do {
    const { status, body } = await callApi(
      emulator(),
      "GET",
      path + query({ ...params, pageToken }),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    names.push(...(body.metadataKeys ?? body.assets).map((item: { name: string }) => item.name));
    pageToken = body.nextPageToken || undefined;
  } while (pageToken !== undefined);
  return names;
}

const sorted = (names: string[]) => [...names].sort();

describe("ListMetadataKeys orderBy", () => {
  const path = "/api/v1/metadata-keys";

  it("defaults to oldest first, paged", async () => {
    expect(await listNames(path, { pageSize: 3 })).toEqual(KEYS);
    expect(await listNames(path, { pageSize: 3, orderBy: "created_date" })).toEqual(KEYS);
  });

  it("created_date desc, name, name desc", async () => {
    expect(await listNames(path, { pageSize: 2, orderBy: "created_date desc" })).toEqual(
      [...KEYS].reverse(),
    );
    expect(await listNames(path, { pageSize: 2, orderBy: "name" })).toEqual(sorted(KEYS));
    expect(await listNames(path, { pageSize: 4, orderBy: "name desc" })).toEqual(
      sorted(KEYS).reverse(),
    );
  });

  it("400 INVALID_ARGUMENT for any other field", async () => {
    for (const orderBy of ["modified_date", "type", "name ASC", 'metadata["x"]']) {
      const { status, body } = await callApi(emulator(), "GET", path + query({ orderBy }));
      expect(status, orderBy).toBe(400);
      expect(body.code).toBe(3);
    }
  });
});

describe("ListAssets orderBy", () => {
  const path = "/api/v1/assets";

  it("defaults to newest first; name, created_date, modified_date", async () => {
    expect(await listNames(path, { pageSize: 2 })).toEqual([...ASSETS].reverse());
    expect(await listNames(path, { pageSize: 2, orderBy: "created_date" })).toEqual(ASSETS);
    expect(await listNames(path, { pageSize: 2, orderBy: "name desc" })).toEqual(
      sorted(ASSETS).reverse(),
    );
    expect(await listNames(path, { pageSize: 2, orderBy: "modified_date,name" })).toEqual(ASSETS);
  });

  it("archived_date is accepted; assets never archived keep creation order", async () => {
    expect(await listNames(path, { pageSize: 2, orderBy: "archived_date" })).toEqual(ASSETS);
    expect(await listNames(path, { pageSize: 2, orderBy: "archived_date desc,name" })).toEqual(
      sorted(ASSETS),
    );
  });

  it("400 INVALID_ARGUMENT for a field assets cannot be ordered by", async () => {
    for (const orderBy of ["description", "start_time", 'metadata["x"]', "name ASC"]) {
      const { status, body } = await callApi(emulator(), "GET", path + query({ orderBy }));
      expect(status, orderBy).toBe(400);
      expect(body.code).toBe(3);
    }
  });
});
