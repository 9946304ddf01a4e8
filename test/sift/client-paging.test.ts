import { afterEach, describe, expect, it } from "vitest";
import { SyncError } from "../../src/core/errors.js";
import { celIn } from "../../src/sift/cel.js";
import { createSiftClient } from "../../src/sift/client.js";
import { sendJson, startTestServer, type TestServer, wireRun } from "./test-server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const KEY = "sift_test_key_0123456789";

/** Serves `total` items in pages of the requested size; the token is the next offset. */
function pagedServer(total: number, field: string, make: (i: number) => unknown) {
  return startTestServer((req, res) => {
    const q = new URL(req.url, "http://x").searchParams;
    const size = Number(q.get("pageSize") ?? 50);
    const from = Number(q.get("pageToken") || 0);
    const items = Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) =>
      make(from + i),
    );
    const next = from + size < total ? String(from + size) : undefined;
    sendJson(res, 200, { [field]: items, ...(next ? { nextPageToken: next } : {}) });
  });
}

describe("paging", () => {
  it("follows nextPageToken, keeping every other parameter identical", async () => {
    server = await pagedServer(7, "runs", (i) => wireRun(`r${i}`));
    const client = createSiftClient({ baseUrl: server.url, apiKey: KEY });
    const filter = celIn("client_key", ["a", "x' || true || 'y"]);
    const ids: string[] = [];
    for await (const run of client.listAllRuns(filter, { pageSize: 3, orderBy: "created_date" }))
      ids.push(run.runId);
    expect(ids).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6"]);
    const queries = server.received.map((r) => new URL(r.url, "http://x").searchParams);
    expect(queries.map((q) => q.get("pageToken"))).toEqual([null, "3", "6"]);
    for (const q of queries) {
      expect(q.get("filter")).toBe(filter);
      expect(q.get("pageSize")).toBe("3");
      expect(q.get("orderBy")).toBe("created_date");
    }
    expect(client.stats().byOperation).toEqual({ ListRuns: 3 });
  });

  it("asks for pages of 1000 by default", async () => {
    server = await pagedServer(2, "runs", (i) => wireRun(`r${i}`));
    const client = createSiftClient({ baseUrl: server.url, apiKey: KEY });
    for await (const _ of client.listAllRuns()) {
      /* drain */
    }
    expect(server.received[0]!.url).toBe("/api/v2/runs?pageSize=1000");
  });

  it("pages assets and metadata keys the same way", async () => {
    server = await startTestServer((req, res) => {
      const q = new URL(req.url, "http://x").searchParams;
      const second = q.get("pageToken") === "p2";
      if (req.url.startsWith("/api/v1/assets")) {
        sendJson(
          res,
          200,
          second
            ? { assets: [{ assetId: "a2", name: "B" }] }
            : { assets: [{ assetId: "a1", name: "A" }], nextPageToken: "p2" },
        );
      } else {
        sendJson(
          res,
          200,
          second
            ? { metadataKeys: [{ name: "k2" }] }
            : {
                metadataKeys: [{ name: "k1", type: "METADATA_KEY_TYPE_NUMBER" }],
                nextPageToken: "p2",
              },
        );
      }
    });
    const client = createSiftClient({ baseUrl: server.url, apiKey: KEY });
    const assets = [];
    for await (const a of client.listAllAssets("name in ['A', 'B']")) assets.push(a);
    const keys = [];
    for await (const k of client.listAllMetadataKeys()) keys.push(k);
    expect(assets).toEqual([
      { assetId: "a1", name: "A" },
      { assetId: "a2", name: "B" },
    ]);
    expect(keys).toEqual([
      { name: "k1", type: "METADATA_KEY_TYPE_NUMBER" },
      { name: "k2", type: "METADATA_KEY_TYPE_UNSPECIFIED" },
    ]);
    expect(client.stats().byOperation).toEqual({ ListAssets: 2, ListMetadataKeys: 2 });
  });

  it("stops when the server repeats a page token instead of looping forever", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 200, { runs: [wireRun("r")], nextPageToken: "same" }),
    );
    const client = createSiftClient({ baseUrl: server.url, apiKey: KEY });
    const drain = async () => {
      for await (const _ of client.listAllRuns()) {
        /* drain */
      }
    };
    await expect(drain()).rejects.toThrow(SyncError);
    expect(server.received).toHaveLength(2);
  });
});
