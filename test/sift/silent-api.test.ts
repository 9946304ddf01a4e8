import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { ApiError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createSiftClient } from "../../src/sift/client.js";
import { manifestDir } from "../e2e/harness.js";
import { captureIo } from "../helpers/io.js";
import { type SilentListener, startSilentListener } from "../helpers/network.js";
import { sendJson, startTestServer, type TestServer, wireRun } from "./test-server.js";

/**
 * Issue 21, bounded waits: a server that accepts connections and never answers is given up
 * on after two silent attempts on new connections (not 8 × the timeout), with a sentence
 * that says so; one that ever answered keeps the whole retry budget; --timeout and
 * --retries (flags or the sync config's options) set the bounds. Timeouts here are 0.1-0.2 s.
 */

const RETRY = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 8 };
let silent: SilentListener | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await silent?.close();
  await server?.close();
  silent = undefined;
  server = undefined;
});

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("an API that accepts connections and never answers", () => {
  it("is given up on after two silent attempts, in a sentence", async () => {
    silent = await startSilentListener();
    const client = createSiftClient({
      baseUrl: silent.url,
      apiKey: "k",
      timeoutMs: 100,
      retry: RETRY,
    });
    const error = await failure(client.getRun("r1"));
    expect(silent.accepted()).toBe(2);
    expect(client.stats().requests).toBe(2);
    expect(error.reason).toBe("silent");
    expect(error.attempts).toBe(2);
    expect(error.message).toBe(
      "[GET /api/v2/runs/r1] no answer: the API accepted the connection but sent nothing in 0.1 s, twice; is --api-url a Sift API?",
    );
  });

  it("names where the URL came from", async () => {
    silent = await startSilentListener();
    const client = createSiftClient({
      baseUrl: silent.url,
      apiKey: "k",
      timeoutMs: 100,
      retry: RETRY,
      urlSource: "SIFT_REST_URI",
    });
    const error = await failure(client.getRun("r1"));
    expect(error.apiMessage).toMatch(/; is SIFT_REST_URI a Sift API\?$/);
  });

  it("stops the other requests in flight at their first silence once one gave up", async () => {
    silent = await startSilentListener();
    const client = createSiftClient({
      baseUrl: silent.url,
      apiKey: "k",
      timeoutMs: 150,
      retry: RETRY,
      concurrency: 4,
    });
    const ids = Array.from({ length: 12 }, (_, i) => `r${i}`);
    const errors = await Promise.all(ids.map((id) => failure(client.getRun(id))));
    expect(errors.every((e) => e.reason === "silent")).toBe(true);
    // Without the verdict shared, 12 requests would take 24 attempts; with it, the first
    // four take two each and the eight queued behind them one each.
    expect(client.stats().requests).toBeLessThanOrEqual(16);
  });

  it("keeps the whole budget once the API answered anything (a slow API is no silent one)", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i === 0) sendJson(res, 200, { run: wireRun("r1") });
      // later: never answered
    });
    const client = createSiftClient({
      baseUrl: server.url,
      apiKey: "k",
      timeoutMs: 100,
      retry: { ...RETRY, maxAttempts: 4 },
    });
    await client.getRun("r1");
    const error = await failure(client.getRun("r2"));
    expect(client.stats().requests).toBe(1 + 4);
    expect(error.reason).toBeUndefined();
    expect(error.apiMessage).toMatch(
      /^no answer from 127\.0\.0\.1:\d+ within 0\.1 s \(after 4 attempts\)/,
    );
  });

  it("keeps the whole budget when the answer's head came and its body was too slow", async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"run":');
      // the rest never comes
    });
    const client = createSiftClient({
      baseUrl: server.url,
      apiKey: "k",
      timeoutMs: 100,
      retry: { ...RETRY, maxAttempts: 3 },
    });
    const error = await failure(client.getRun("r1"));
    expect(server.received).toHaveLength(3);
    expect(error.reason).toBeUndefined();
  });

  it("logs the first retry at warn, the default level", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i === 0) sendJson(res, 503, { code: 14, message: "warming up" });
      else sendJson(res, 200, { run: wireRun("r1") });
    });
    const lines: string[] = [];
    const logger = createLogger({
      level: "warn",
      format: "json",
      stream: { write: (line: string) => lines.push(line) },
      secrets: [],
    });
    const client = createSiftClient({ baseUrl: server.url, apiKey: "k", retry: RETRY, logger });
    await client.getRun("r1");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      msg: expect.stringMatching(/^retrying: warming up; attempt 2 of 8 in \d+\.\d s$/),
    });
  });
});

describe("--timeout and --retries", () => {
  const dir = () => manifestDir({ "runs.csv": "clientKey,name\nk1,A\n" });

  async function plan(args: string[], cwd?: string) {
    const io = captureIo({ SIFT_API_KEY: "k" }, cwd);
    const code = await main(["plan", ...args, "--format", "json"], io);
    return { code, stdout: io.out(), stderr: io.err() };
  }

  it("plan against a silent API: the first retry shown, then the sentence, exit 1", async () => {
    silent = await startSilentListener();
    const result = await plan([dir(), "--api-url", silent.url, "--timeout", "0.2"]);
    expect(result.code).toBe(1);
    expect(silent.accepted()).toBe(2);
    expect(result.stderr).toMatch(
      /retrying: no answer from 127\.0\.0\.1:\d+ within 0\.2 s; attempt 2 of 8 in/,
    );
    expect(result.stderr).toContain(
      "the API accepted the connection but sent nothing in 0.2 s, twice; is --api-url a Sift API?",
    );
    expect(JSON.parse(result.stdout)).toBeTypeOf("object");
  });

  it("--retries N makes N + 1 attempts (plan, export), --retries 0 one", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 503, { code: 14, message: "down" }),
    );
    // --no-cache: the sync cache's probe would be one more request to count.
    const plan2 = await plan([dir(), "--api-url", server.url, "--retries", "2", "--no-cache"]);
    expect(plan2.code).toBe(1);
    expect(server.received).toHaveLength(3);
    expect(plan2.stderr).toContain("503: down (after 3 attempts)");
    server.received.length = 0;
    const io = captureIo({ SIFT_API_KEY: "k" });
    const code = await main(["export", "--api-url", server.url, "--retries", "0"], io);
    expect(code).toBe(1);
    expect(server.received).toHaveLength(1);
  });

  it("a sync config's options set them; a flag wins", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 503, { code: 14, message: "down" }),
    );
    const cwd = dir();
    writeFileSync(
      join(cwd, "sift-run-sync.yaml"),
      "version: 1\nsources:\n  - path: runs.csv\noptions: { retries: 1, timeout: 5 }\n",
    );
    const fromConfig = await plan(["--api-url", server.url, "--no-cache"], cwd);
    expect(fromConfig.code).toBe(1);
    expect(server.received).toHaveLength(2);
    server.received.length = 0;
    await plan(["--api-url", server.url, "--retries", "3", "--no-cache"], cwd);
    expect(server.received).toHaveLength(4);
  });

  it("refuses a timeout or retries that are no number", async () => {
    const bad = await plan([dir(), "--api-url", "http://127.0.0.1:1", "--retries", "-1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--retries.*expected a whole number ≥ 0/);
    const zero = await plan([dir(), "--api-url", "http://127.0.0.1:1", "--timeout", "0"]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--timeout.*expected a number > 0/);
  });
});
