import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createSiftClient } from "../../src/sift/client.js";
import { parseRetryAfter } from "../../src/sift/http-errors.js";
import { FAST_RETRY, sendJson, startTestServer, type TestServer, wireRun } from "./test-server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function clientFor(
  url: string,
  extra: Parameters<typeof createSiftClient>[0] extends infer O ? Partial<O> : never = {},
) {
  return createSiftClient({ baseUrl: url, apiKey: "k", retry: FAST_RETRY, ...extra });
}

describe("retries", () => {
  it.each([429, 502, 503, 504])("retries a %i and returns the later answer", async (status) => {
    server = await startTestServer((_req, res, i) => {
      if (i < 2) sendJson(res, status, { code: 14, message: "try later" });
      else sendJson(res, 200, { run: wireRun("r1") });
    });
    const client = clientFor(server.url);
    const run = await client.getRun("r1");
    expect(run.runId).toBe("r1");
    expect(server.received).toHaveLength(3);
    expect(client.stats()).toMatchObject({ requests: 3, retries: 2, byOperation: { GetRun: 3 } });
  });

  it.each([400, 401, 403, 404, 409, 500])("does not retry a %i", async (status) => {
    server = await startTestServer((_req, res) =>
      sendJson(res, status, { code: 3, message: "no" }),
    );
    const error = await clientFor(server.url)
      .getRun("r1")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(status);
    expect(server.received).toHaveLength(1);
  });

  it("retries a create too, and gives up after maxAttempts with the last answer", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 503, { code: 14, message: "down" }),
    );
    const error = (await clientFor(server.url)
      .createAdhocRun({
        name: "n",
        startTime: "2024-01-01T00:00:00Z",
        stopTime: "2024-01-01T01:00:00Z",
        assetIds: ["a"],
        clientKey: "k1",
      })
      .catch((e: unknown) => e)) as ApiError;
    expect(server.received).toHaveLength(FAST_RETRY.maxAttempts);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.request).toBe("POST /api/v2/runs:adhoc");
    expect(error.status).toBe(503);
    expect(error.grpcCode).toBe(14);
    expect(error.message).toBe(
      `[POST /api/v2/runs:adhoc] 503: down (after ${FAST_RETRY.maxAttempts} attempts)`,
    );
  });

  it("returns a 409 at once as grpcCode 6, for the caller to reconcile", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 409, { code: 6, message: "run with client key k1 already exists" }),
    );
    const error = (await clientFor(server.url)
      .createRun({ name: "n", clientKey: "k1" })
      .catch((e: unknown) => e)) as ApiError;
    expect(server.received).toHaveLength(1);
    expect(error.grpcCode).toBe(6);
    expect(error.apiMessage).toBe("run with client key k1 already exists");
  });

  it("honours Retry-After before trying again", async () => {
    const arrivals: number[] = [];
    server = await startTestServer((_req, res, i) => {
      arrivals.push(Date.now());
      if (i === 0) sendJson(res, 429, { code: 8, message: "slow down" }, { "retry-after": "1" });
      else sendJson(res, 200, { run: wireRun("r1") });
    });
    const client = clientFor(server.url);
    await client.getRun("r1");
    expect(arrivals).toHaveLength(2);
    // A lower bound only: the backoff alone (≤ 5 ms here) could not explain the wait.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
    expect(client.stats().pool.throttled).toBe(1);
  });

  it("retries a timeout, then fails as a connection error naming the host", async () => {
    // It answered once: a server that never answered anything is "silent" (silent-api.test.ts).
    let answered = false;
    server = await startTestServer((_req, res) => {
      if (!answered) sendJson(res, 200, { run: wireRun("r1") });
      answered = true;
    });
    const client = clientFor(server.url, {
      timeoutMs: 50,
      retry: { ...FAST_RETRY, maxAttempts: 2 },
    });
    await client.getRun("r1");
    server.received.length = 0;
    const error = (await client.listRuns().catch((e: unknown) => e)) as ApiError;
    expect(server.received).toHaveLength(2);
    expect(error.code).toBe("CONNECTION");
    expect(error.status).toBe(0);
    const host = new URL(server.url).host;
    expect(error.message).toBe(
      // Not "no answer: no answer from ...": the status says it once (issue 18.9).
      `[GET /api/v2/runs] no answer from ${host} within 0.05 s (after 2 attempts); check --api-url or SIFT_REST_URI`,
    );
  });

  it("retries an unreachable host, then says which host and what to check", async () => {
    const closed = await startTestServer(() => {});
    const url = closed.url;
    await closed.close();
    const error = (await clientFor(url)
      .listRuns()
      .catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("CONNECTION");
    expect(error.message).toContain(`cannot reach ${new URL(url).host}: connect ECONNREFUSED`);
    expect(error.message).toContain(
      `(after ${FAST_RETRY.maxAttempts} attempts); check --api-url or SIFT_REST_URI`,
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("stops retrying when the caller aborts", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 503, { code: 14, message: "down" }),
    );
    const controller = new AbortController();
    // The retry is logged before its wait: abort then, during the wait (not while the 503 is
    // still on its way, which would be "cut off").
    const lines: string[] = [];
    const logger = createLogger({
      level: "warn",
      format: "json",
      stream: { write: (line: string) => lines.push(line) },
      secrets: [],
    });
    const client = clientFor(server.url, {
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxAttempts: 8 },
      logger,
    });
    const pending = client.listRuns({ signal: controller.signal }).catch((e: unknown) => e);
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const error = (await pending) as ApiError;
    expect(error.apiMessage).toBe("interrupted: not retried after 1 attempt");
    expect(error.reason).toBe("interrupted");
    expect(server.received).toHaveLength(1);
  });

  it("does not hold a pool slot while a retry sleeps", async () => {
    server = await startTestServer((req, res) => {
      if (
        req.url.startsWith("/api/v2/runs/a") &&
        server!.received.filter((r) => r.url === req.url).length === 1
      ) {
        sendJson(res, 503, { code: 14, message: "down" });
      } else {
        sendJson(res, 200, { run: wireRun(req.url.slice(-1)) });
      }
    });
    // One slot, and a 300 ms sleep before the retry of `a`: `b` must use the slot meanwhile.
    const client = createSiftClient({
      baseUrl: server.url,
      apiKey: "k",
      concurrency: 1,
      retry: { baseDelayMs: 300, maxDelayMs: 300, maxAttempts: 3 },
    });
    const a = client.getRun("a");
    while (server.received.length === 0) await new Promise((r) => setTimeout(r, 1));
    const b = client.getRun("b");
    await Promise.all([a, b]);
    expect(server.received.map((r) => r.url)).toEqual([
      "/api/v2/runs/a",
      "/api/v2/runs/b",
      "/api/v2/runs/a",
    ]);
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP-dates", () => {
    const now = Date.parse("2024-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Mon, 01 Jan 2024 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Sun, 31 Dec 2023 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
