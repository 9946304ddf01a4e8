import { beforeAll, describe, expect, it } from "vitest";
import type { WireRun } from "../../src/emulator/index.js";
import { listRunsResponseSchema } from "../../src/sift/schemas.js";
import { callApi, isAfter, query, useEmulator } from "../helpers/emulator.js";

const emulator = useEmulator({ defaults: "omit" });
const RUNS = 2500;

beforeAll(() => {
  emulator().load({
    runs: Array.from({ length: RUNS }, (_, i) => ({
      clientKey: `page-${String(i).padStart(4, "0")}`,
      // Names run backwards from creation order, with ties, to test ordering by name.
      name: `run ${String(Math.floor((RUNS - i) / 2)).padStart(4, "0")}`,
    })),
  });
});

async function list(params: Record<string, string | number | undefined>) {
  const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query(params)}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return listRunsResponseSchema.parse(body);
}

async function listAll(params: Record<string, string | number | undefined>) {
  const pages: WireRun[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await list({ ...params, pageToken });
    pages.push(page.runs as unknown as WireRun[]);
    pageToken = page.nextPageToken || undefined;
  } while (pageToken !== undefined);
  return pages;
}

describe("paging", () => {
  it("walks 2,500 runs in 3 pages of at most 1000, newest first, each run once", async () => {
    const pages = await listAll({ pageSize: 1000 });
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500]);
    const all = pages.flat();
    expect(new Set(all.map((r) => r.runId)).size).toBe(RUNS);
    for (let i = 1; i < all.length; i++) {
      expect(isAfter(all[i - 1]!.createdDate, all[i]!.createdDate)).toBe(true);
    }
    expect(all[0]!.clientKey).toBe("page-2499");
    expect(all[RUNS - 1]!.clientKey).toBe("page-0000");
  });

  it("defaults to 50 per page and coerces sizes above 1000", async () => {
    expect((await list({})).runs).toHaveLength(50);
    expect((await list({ pageSize: 5000 })).runs).toHaveLength(1000);
    expect((await list({ pageSize: 0 })).runs).toHaveLength(50);
  });

  it("400 for a bad pageSize", async () => {
    for (const pageSize of ["-1", "ten", "1.5"]) {
      const { status } = await callApi(emulator(), "GET", `/api/v2/runs${query({ pageSize })}`);
      expect(status, pageSize).toBe(400);
    }
  });

  it("orders by created_date ascending and by name, ties broken stably", async () => {
    const ascending = (await listAll({ pageSize: 1000, orderBy: "created_date" })).flat();
    expect(ascending[0]!.clientKey).toBe("page-0000");
    const byName = (await listAll({ pageSize: 700, orderBy: "name" })).flat();
    expect(byName).toHaveLength(RUNS);
    const names = byName.map((r) => r.name!);
    expect([...names].sort()).toEqual(names);
    // Equal names keep creation order.
    expect(byName[1]!.name).toBe(byName[2]!.name);
    expect(isAfter(byName[2]!.createdDate, byName[1]!.createdDate)).toBe(true);
    // Descending: names reversed, equal names still in creation order.
    const desc = (await listAll({ pageSize: 1000, orderBy: "name desc" })).flat();
    expect(desc.map((r) => r.name)).toEqual([...names].reverse());
    expect(desc[1]!.name).toBe(desc[2]!.name);
    expect(isAfter(desc[2]!.createdDate, desc[1]!.createdDate)).toBe(true);
  });

  it("400 for an unknown orderBy", async () => {
    for (const orderBy of ["colour", "name sideways", "client_key", "name ASC"]) {
      const { status, body } = await callApi(
        emulator(),
        "GET",
        `/api/v2/runs${query({ orderBy })}`,
      );
      expect(status, orderBy).toBe(400);
      expect(body.message).toMatch(/order_by/);
    }
  });

  it("refuses a token used with another filter or order, or a forged one", async () => {
    const first = await list({ pageSize: 10, filter: "name != ''" });
    const token = first.nextPageToken;
    expect(token).not.toBe("");
    for (const params of [
      { pageToken: token },
      { pageToken: token, filter: "name != 'x'" },
      { pageToken: token, filter: "name != ''", orderBy: "name" },
      { pageToken: "not-a-token" },
    ]) {
      const { status, body } = await callApi(emulator(), "GET", `/api/v2/runs${query(params)}`);
      expect(status, JSON.stringify(params)).toBe(400);
      expect(body.code).toBe(3);
    }
    const same = await list({ pageSize: 10, filter: "name != ''", pageToken: token });
    expect(same.runs[0]!.runId).not.toBe(first.runs[0]!.runId);
  });

  it("pages do not shift when runs are created meanwhile", async () => {
    const first = await list({ pageSize: 100, orderBy: "created_date" });
    await callApi(emulator(), "POST", "/api/v2/runs", { name: "late arrival" });
    const second = await list({
      pageSize: 100,
      orderBy: "created_date",
      pageToken: first.nextPageToken,
    });
    expect(second.runs[0]!.clientKey).toBe("page-0100");
  });

  it("pages filtered results too, with no empty last page", async () => {
    const filter = "client_key.startsWith('page-00')";
    const pages = await listAll({ pageSize: 25, filter });
    expect(pages.map((p) => p.length)).toEqual([25, 25, 25, 25]);
  });

  it("pages assets and metadata keys the same way", async () => {
    emulator().load({
      assets: Array.from({ length: 30 }, (_, i) => `asset-${i}`),
      metadataKeys: Object.fromEntries(
        Array.from({ length: 30 }, (_, i) => [`key-${i}`, "string"]),
      ),
    });
    for (const path of ["/api/v1/assets", "/api/v1/metadata-keys"]) {
      const first = await callApi(emulator(), "GET", `${path}${query({ pageSize: 20 })}`);
      const items = first.body.assets ?? first.body.metadataKeys;
      expect(items).toHaveLength(20);
      const second = await callApi(
        emulator(),
        "GET",
        `${path}${query({ pageSize: 20, pageToken: first.body.nextPageToken })}`,
      );
      expect(second.body.assets ?? second.body.metadataKeys).toHaveLength(10);
      expect(second.body.nextPageToken).toBeUndefined();
    }
  });
});
