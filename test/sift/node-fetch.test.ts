import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeFetch } from "../../src/sift/node-fetch.js";

const fetchWithNodeHttp = createNodeFetch();

let server: Server | undefined;
afterEach(async () => {
  const open = server;
  server = undefined;
  if (open === undefined) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
});

/** A server on port 0 that counts the connections it accepts. */
async function serve(handler: Parameters<typeof createServer>[1]) {
  server = createServer(handler);
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

describe("the node:http transport", () => {
  it("sends method, headers and body, and reads status, headers and text", async () => {
    const seen: string[] = [];
    const { url } = await serve((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push(`${req.method} ${req.url} ${req.headers["x-test"]} ${body}`);
        res.writeHead(429, "Slow Down", { "Retry-After": "3", "content-type": "application/json" });
        res.end('{"code":8}');
      });
    });
    const response = await fetchWithNodeHttp(`${url}/api/v2/runs?pageSize=1`, {
      method: "PATCH",
      headers: { "x-test": "yes", "content-type": "application/json" },
      body: '{"é":1}',
    });
    expect(seen).toEqual(['PATCH /api/v2/runs?pageSize=1 yes {"é":1}']);
    expect([response.status, response.ok, response.statusText]).toEqual([429, false, "Slow Down"]);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(response.headers.get("x-missing")).toBeNull();
    expect(await response.text()).toBe('{"code":8}');
  });

  it("keeps connections alive between requests", async () => {
    const { url, connections } = await serve((_req, res) => res.end("{}"));
    for (let i = 0; i < 5; i++) {
      const response = await fetchWithNodeHttp(url, {});
      expect(response.ok).toBe(true);
      await response.text();
    }
    expect(connections()).toBe(1);
  });

  it("rejects when the connection drops before the answer ends", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write('{"runs": [');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    await expect(fetchWithNodeHttp(url, {}).then((r) => r.text())).rejects.toThrow();
  });

  it("rejects with the system error when nothing listens", async () => {
    const { url } = await serve((_req, res) => res.end());
    server!.close();
    server = undefined;
    await expect(fetchWithNodeHttp(url, {})).rejects.toThrow(/ECONNREFUSED/);
  });

  it("stops waiting when its signal aborts", async () => {
    const { url } = await serve(() => {}); // never answers
    const signal = AbortSignal.timeout(50);
    await expect(fetchWithNodeHttp(url, { signal })).rejects.toThrow();
    expect(signal.aborted).toBe(true);
  });
});
