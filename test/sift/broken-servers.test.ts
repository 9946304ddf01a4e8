import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createSiftClient } from "../../src/sift/client.js";
import { MAX_ANSWER_BYTES, MAX_PAGES_WITHOUT_PROGRESS } from "../../src/sift/limits.js";
import { FAST_RETRY, sendJson, startTestServer, type TestServer, wireRun } from "./test-server.js";

/**
 * Issue 18.5: a broken server is bounded. Paging that never ends, an answer too large to
 * hold, an empty 200, a Retry-After of an hour, 429s that never end: each ends in a clear
 * error naming the request (or a capped, logged wait), never a hang, a stack or "no runs".
 */

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

async function drain(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of items) n++;
  return n;
}

function client(extra: Partial<Parameters<typeof createSiftClient>[0]> = {}) {
  return createSiftClient({ baseUrl: server!.url, apiKey: "k", retry: FAST_RETRY, ...extra });
}

describe("paging that goes round in circles", () => {
  it("stops after a bound of empty pages whose tokens never end, naming the request", async () => {
    // Today's guard only catches a token handed back twice: fresh tokens loop forever.
    server = await startTestServer((_req, res, i) =>
      sendJson(res, 200, { runs: [], nextPageToken: `t${i}` }),
    );
    const filter = "client_key in ['a', 'b']";
    const error = await failure(drain(client().listAllRuns(filter)));
    expect(server.received).toHaveLength(MAX_PAGES_WITHOUT_PROGRESS);
    expect(error.message).toBe(
      `[GET /api/v2/runs] 200: broken paging (filter "client_key in ['a', 'b']"): ${MAX_PAGES_WITHOUT_PROGRESS} pages in a row brought no new runs, and the page tokens went on; stopped paging`,
    );
    expect(error.reason).toBe("broken-answer");
  });

  it("stops when fresh tokens bring back the same page, and yields its runs once", async () => {
    server = await startTestServer((_req, res, i) =>
      sendJson(res, 200, { runs: [wireRun("r1"), wireRun("r2")], nextPageToken: `t${i}` }),
    );
    const seen: string[] = [];
    const listing = (async () => {
      for await (const run of client({ maxPagesWithoutProgress: 3 }).listAllRuns())
        seen.push(run.runId);
    })();
    const error = await failure(listing);
    expect(seen).toEqual(["r1", "r2"]);
    expect(server.received).toHaveLength(4);
    expect(error.message).toMatch(/3 pages in a row brought no new runs/);
  });

  it("goes on through a few empty pages that end in runs", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i < 3) sendJson(res, 200, { runs: [], nextPageToken: `t${i}` });
      else sendJson(res, 200, { runs: [wireRun(`r${i}`)], nextPageToken: i < 5 ? `t${i}` : "" });
    });
    expect(await drain(client().listAllRuns())).toBe(3);
  });

  it("stops at once on cycling tokens (A, B, A), for assets and metadata keys too", async () => {
    server = await startTestServer((req, res, i) => {
      const token = ["A", "B"][i % 2];
      const items = [{ assetId: `a${i}`, name: `n${i}` }];
      if (req.url.startsWith("/api/v1/assets"))
        sendJson(res, 200, { assets: items, nextPageToken: token });
      else sendJson(res, 200, { metadataKeys: [{ name: `k${i}` }], nextPageToken: token });
    });
    const assets = await failure(drain(client().listAllAssets()));
    expect(assets.message).toMatch(
      /^\[GET \/api\/v1\/assets\] 200: broken paging: the API handed back page token "A" a second time; stopped paging$/,
    );
    const keys = await failure(drain(client().listAllMetadataKeys()));
    expect(keys.request).toBe("GET /api/v1/metadata-keys");
  });
});

describe("an answer over the size cap", () => {
  it(`fails at ${MAX_ANSWER_BYTES / 2 ** 20} MiB by default, once (not retried), without reading the rest`, async () => {
    // A body of ~80 MiB sent in chunks, with no Content-Length: only a byte counter sees it.
    let sent = 0;
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, " ");
      res.write('{"runs": [');
      const more = () => {
        while (sent < 80) {
          sent++;
          if (!res.write(chunk)) return res.once("drain", more);
        }
        res.end("]}");
      };
      res.on("error", () => {});
      more();
    });
    const error = await failure(client().listRuns());
    expect(error.message).toBe(
      "[GET /api/v2/runs] 200: the answer is larger than 64 MiB, the most this client reads: stopped reading it",
    );
    expect(error.reason).toBe("too-large");
    expect(error.message).not.toMatch(/ERR_STRING_TOO_LONG|\n\s+at /);
    expect(server.received).toHaveLength(1);
  });

  it("fails on a Content-Length over the cap before reading the body", async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "5000" });
      res.write("{");
      // never ends: the client must not wait for it
    });
    const error = await failure(client({ maxAnswerBytes: 4096 }).listRuns());
    expect(error.apiMessage).toMatch(/larger than 4 KiB/);
  });

  it("caps an injected fetch's body stream too", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 200, { runs: [wireRun("x".repeat(10_000))] }),
    );
    const error = await failure(client({ fetch, maxAnswerBytes: 1024 }).listRuns());
    expect(error.reason).toBe("too-large");
    expect(error.apiMessage).toMatch(/larger than 1 KiB/);
  });
});

describe("an empty 200 body", () => {
  it("is a broken answer: retried, then an error, never an empty list of runs", async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end();
    });
    const error = await failure(client().listRuns({ filter: "client_key == 'a'" }));
    expect(server.received).toHaveLength(FAST_RETRY.maxAttempts);
    expect(error.message).toBe(
      `[GET /api/v2/runs] 200: a broken answer: HTTP 200 with an empty body (after ${FAST_RETRY.maxAttempts} attempts)`,
    );
  });

  it("is read as the answer that follows it", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i === 0) {
        res.writeHead(200);
        return res.end("  \n");
      }
      sendJson(res, 200, { runs: [wireRun("r1")] });
    });
    expect((await client().listRuns()).runs.map((r) => r.runId)).toEqual(["r1"]);
  });
});

describe("rate limiting", () => {
  it("caps a Retry-After of an hour, and shows the wait at the default level (warn)", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i === 0) sendJson(res, 429, { code: 8, message: "slow down" }, { "retry-after": "3600" });
      else sendJson(res, 200, { run: wireRun("r1") });
    });
    const lines: string[] = [];
    const logger = createLogger({
      level: "warn",
      format: "json",
      stream: { write: (line) => lines.push(line) },
      secrets: [],
    });
    const c = client({ logger, retry: { ...FAST_RETRY, maxRetryAfterMs: 50 } });
    expect((await c.getRun("r1")).runId).toBe("r1");
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { level: number; msg: string; retryAfterMs: number };
    expect(line.level).toBe(40);
    expect(line.retryAfterMs).toBe(3_600_000);
    expect(line.msg).toBe(
      "retrying: slow down; attempt 2 of 4 in 0.1 s (Retry-After asked for 3600.0 s; this client waits at most 0.1 s)",
    );
  });

  it("shows one line for the requests that share one Retry-After pause", async () => {
    server = await startTestServer((req, res) => {
      const first = server!.received.filter((r) => r.url === req.url).length === 1;
      if (first) sendJson(res, 429, { code: 8, message: "slow down" }, { "retry-after": "1" });
      else sendJson(res, 200, { run: wireRun("r") });
    });
    const lines: string[] = [];
    const logger = createLogger({
      level: "warn",
      format: "json",
      stream: { write: (line) => lines.push(line) },
      secrets: [],
    });
    const c = client({ logger, concurrency: 8 });
    await Promise.all(["a", "b", "c", "d"].map((id) => c.getRun(id)));
    expect(lines).toHaveLength(1);
  });

  it("429s that never end are reported as rate limiting, not as an API gone", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 429, { code: 8, message: "rate limited" }),
    );
    const error = await failure(client().createRun({ name: "n", clientKey: "k1" }));
    expect(error.message).toBe(
      `[POST /api/v2/runs] 429: Sift kept answering 429 (rate limited) for ${FAST_RETRY.maxAttempts} attempts: rate limited`,
    );
    expect(error.reason).toBe("rate-limited");
  });
});
