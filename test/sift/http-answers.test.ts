import { afterEach, describe, expect, it } from "vitest";
import { ApiError, SyncError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createSiftClient } from "../../src/sift/client.js";
import { MAX_URL_BYTES } from "../../src/sift/url.js";
import { FAST_RETRY, sendJson, startTestServer, type TestServer } from "./test-server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const KEY = "sift_test_key_0123456789";

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("what is sent", () => {
  it("sends the bearer key, JSON bodies and an encoded query", async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { runs: [] }));
    const client = createSiftClient({ baseUrl: server.url + "/", apiKey: KEY });
    await client.listRuns({
      filter: "client_key in ['a b', 'c&d=é']",
      pageSize: 1000,
      orderBy: "",
    });
    await client.updateRun({ run: { runId: "r1", name: "n" }, updateMask: "name" }).catch(() => {});
    const [list, update] = server.received;
    expect(list!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(list!.url).toBe(
      "/api/v2/runs?pageSize=1000&filter=client_key%20in%20%5B%27a%20b%27%2C%20%27c%26d%3D%C3%A9%27%5D",
    );
    expect(new URL(list!.url, server.url).searchParams.get("filter")).toBe(
      "client_key in ['a b', 'c&d=é']",
    );
    expect(update!.method).toBe("PATCH");
    expect(update!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(update!.body)).toEqual({
      run: { runId: "r1", name: "n" },
      updateMask: "name",
    });
  });

  it(`refuses a URL over ${MAX_URL_BYTES} bytes without sending it`, async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { runs: [] }));
    const client = createSiftClient({ baseUrl: server.url, apiKey: KEY });
    const filter = `client_key == '${"x".repeat(MAX_URL_BYTES)}'`;
    await expect(client.listRuns({ filter })).rejects.toThrow(SyncError);
    await expect(client.listRuns({ filter })).rejects.toThrow(/over the 8192-byte limit/);
    expect(server.received).toHaveLength(0);
    // Measured as sent: `'` goes as %27.
    expect(client.listUrlBytes("/api/v2/runs", { filter: "k == 'é'" })).toBe(
      `${server.url}/api/v2/runs?filter=k%20%3D%3D%20%27%C3%A9%27`.length,
    );
  });
});

describe("error answers", () => {
  it("quotes a proxy's HTML 502, shortened, after retrying it", async () => {
    const html = `<html>\n<head><title>502 Bad Gateway</title></head>\n<body>${"x".repeat(500)}</body></html>`;
    server = await startTestServer((_req, res) => {
      res.writeHead(502, "Bad Gateway", { "content-type": "text/html" });
      res.end(html);
    });
    const client = createSiftClient({ baseUrl: server.url, apiKey: KEY, retry: FAST_RETRY });
    const error = await failure(client.createRun({ name: "n" }));
    expect(server.received).toHaveLength(FAST_RETRY.maxAttempts);
    expect(error.status).toBe(502);
    expect(error.grpcCode).toBeUndefined();
    expect(error.message).toMatch(
      /^\[POST \/api\/v2\/runs\] 502: Bad Gateway \(non-JSON body: "<html> <head><title>502 Bad Gateway<\/title><\/head> <body>x+\.\.\."\) \(after 4 attempts\)$/,
    );
    expect(error.message.length).toBeLessThan(350);
  });

  it("reads the API's JSON error: status, gRPC code and message", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 400, {
        code: 3,
        message: "updateMask contains invalid path start_time",
        details: [],
      }),
    );
    const error = await failure(
      createSiftClient({ baseUrl: server.url, apiKey: KEY }).updateRun({
        run: { runId: "r1" },
        updateMask: "start_time",
      }),
    );
    expect(error).toMatchObject({
      request: "PATCH /api/v2/runs",
      status: 400,
      grpcCode: 3,
      apiMessage: "updateMask contains invalid path start_time",
      code: "API",
    });
  });

  it("names an empty error body, and guesses the gRPC code of a bare 409 or 404", async () => {
    server = await startTestServer((_req, res, i) => {
      res.writeHead(i === 0 ? 409 : 404);
      res.end();
    });
    const client = createSiftClient({ baseUrl: server.url, apiKey: KEY });
    const conflict = await failure(client.createRun({ name: "n", clientKey: "k" }));
    expect(conflict.grpcCode).toBe(6);
    expect(conflict.apiMessage).toBe("Conflict (empty body)");
    expect((await failure(client.getRun("r"))).grpcCode).toBe(5);
  });
});

describe("malformed answers", () => {
  it("rejects a success whose JSON does not match the schema, naming the field", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 200, { runs: [{ name: "no id" }], nextPageToken: 7 }),
    );
    const error = await failure(createSiftClient({ baseUrl: server.url, apiKey: KEY }).listRuns());
    expect(server.received).toHaveLength(1);
    expect(error.apiMessage).toMatch(
      /^unexpected response from GET \/api\/v2\/runs: runs\.0\.runId: .+; nextPageToken: /,
    );
  });

  it("rejects a success that is not JSON", async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>login page</html>");
    });
    const error = await failure(
      createSiftClient({ baseUrl: server.url, apiKey: KEY }).getRun("r1"),
    );
    expect(error.apiMessage).toBe("unexpected response from GET /api/v2/runs/r1: body is not JSON");
  });

  it("fills protojson's omitted defaults", async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { run: { runId: "r1" } }));
    const run = await createSiftClient({ baseUrl: server.url, apiKey: KEY }).getRun("r1");
    expect(run).toMatchObject({
      runId: "r1",
      name: "",
      tags: [],
      isPinned: false,
      metadata: [],
      assetIds: [],
    });
    expect(run.clientKey).toBeUndefined();
  });
});

describe("the API key never leaks", () => {
  const CANARY = "sift_CANARY_7f3a9c1e5b";

  it("is not in error messages, causes or logs, even when the server echoes it", async () => {
    server = await startTestServer((req, res, i) => {
      const echoed = String(req.headers.authorization);
      if (i === 0) sendJson(res, 503, { code: 14, message: `overloaded for ${echoed}` });
      else if (i === 1) {
        res.writeHead(502, { "content-type": "text/html" });
        res.end(`<html>${echoed}</html>`);
      } else sendJson(res, 401, { code: 16, message: `invalid key ${echoed}`, details: [echoed] });
    });
    const lines: string[] = [];
    const logger = createLogger({
      level: "trace",
      format: "json",
      stream: { write: (l) => lines.push(l) },
      secrets: [CANARY],
    });
    const client = createSiftClient({
      baseUrl: server.url,
      apiKey: CANARY,
      retry: FAST_RETRY,
      logger,
    });
    const error = await failure(client.getRun("r1"));
    expect(server.received[0]!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(error.apiMessage).toBe("invalid key Bearer [REDACTED] (after 3 attempts)");
    expect(lines.length).toBeGreaterThan(2);
    logger.error({ err: error }, "request failed");
    const everything = [error.message, error.stack, JSON.stringify(error), ...lines].join("\n");
    expect(everything).not.toContain(CANARY);
  });

  it("is not in the cause chain of a network failure", async () => {
    const closed = await startTestServer(() => {});
    await closed.close();
    const client = createSiftClient({
      baseUrl: closed.url,
      apiKey: CANARY,
      retry: { ...FAST_RETRY, maxAttempts: 1 },
    });
    const error = await failure(client.listRuns());
    let text = "";
    for (let e: unknown = error; e instanceof Error; e = e.cause)
      text += `${e.message}\n${e.stack}\n`;
    expect(text).toContain("ECONNREFUSED");
    expect(text).not.toContain(CANARY);
  });
});
