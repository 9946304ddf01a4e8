import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/core/errors.js";
import { createStopping } from "../../src/core/stopping.js";
import { createSiftClient } from "../../src/sift/client.js";
import { withStopping } from "../../src/sift/stoppable.js";
import { sendJson, startTestServer, type TestServer, wireRun } from "./test-server.js";

/**
 * Issue 18.4 at the client: once stopping begins no new attempt starts (no request, no retry,
 * no wait for a pause), an attempt under way gets the grace to be answered, and is cut off
 * when the grace ends. The interrupted error says whether anything had been sent.
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

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
};

describe("a client that is stopping", () => {
  it("sends nothing once stopped", async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { runs: [] }));
    const stopping = createStopping(AbortSignal.abort());
    const client = withStopping(createSiftClient({ baseUrl: server.url, apiKey: "k" }), stopping);
    const error = await failure(client.listRuns());
    expect(error.reason).toBe("interrupted");
    expect(error.attempts).toBe(0);
    expect(error.apiMessage).toBe("interrupted: not sent");
    expect(server.received).toHaveLength(0);
    stopping.dispose();
  });

  it("does not wait out a backoff, nor retry", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 503, { code: 14, message: "down" }),
    );
    const controller = new AbortController();
    const stopping = createStopping(controller.signal, { graceMs: 60_000 });
    const client = withStopping(
      createSiftClient({
        baseUrl: server.url,
        apiKey: "k",
        // A backoff of a minute: a test that waited it out would time out.
        retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxAttempts: 8 },
      }),
      stopping,
    );
    const pending = failure(client.createRun({ name: "n", clientKey: "k1" }));
    await until(() => server!.received.length === 1);
    controller.abort();
    const error = await pending;
    expect(error.message).toBe(
      "[POST /api/v2/runs] no answer: interrupted: not retried after 1 attempt",
    );
    expect(error.attempts).toBe(1);
    expect(server.received).toHaveLength(1);
    stopping.dispose();
  });

  it("does not wait out the pool's Retry-After pause", async () => {
    server = await startTestServer((_req, res) =>
      sendJson(res, 429, { code: 8, message: "slow" }, { "retry-after": "60" }),
    );
    const controller = new AbortController();
    const stopping = createStopping(controller.signal, { graceMs: 60_000 });
    const client = withStopping(
      createSiftClient({ baseUrl: server.url, apiKey: "k", concurrency: 1 }),
      stopping,
    );
    const first = failure(client.getRun("a"));
    await until(() => server!.received.length === 1);
    // Queued behind the pause of a minute the 429 started.
    const second = failure(client.getRun("b"));
    controller.abort();
    expect((await first).reason).toBe("interrupted");
    expect((await second).apiMessage).toBe("interrupted: not sent");
    expect(server.received).toHaveLength(1);
    stopping.dispose();
  });

  it("lets the attempt under way be answered within the grace", async () => {
    server = await startTestServer((_req, res) => {
      setTimeout(() => sendJson(res, 200, { run: wireRun("r1") }), 300);
    });
    const controller = new AbortController();
    const stopping = createStopping(controller.signal, { graceMs: 20_000 });
    const client = withStopping(createSiftClient({ baseUrl: server.url, apiKey: "k" }), stopping);
    const pending = client.getRun("r1");
    await until(() => server!.received.length === 1);
    controller.abort();
    expect((await pending).runId).toBe("r1");
    stopping.dispose();
  });

  it("cuts off the attempt under way when the grace ends", async () => {
    server = await startTestServer(() => {}); // accepts, never answers
    const controller = new AbortController();
    const stopping = createStopping(controller.signal, { graceMs: 100 });
    const client = withStopping(createSiftClient({ baseUrl: server.url, apiKey: "k" }), stopping);
    const pending = failure(
      client.updateRun({ run: { runId: "r1", name: "n" }, updateMask: "name" }),
    );
    await until(() => server!.received.length === 1);
    controller.abort();
    const error = await pending;
    expect(error.message).toBe(
      "[PATCH /api/v2/runs] no answer: interrupted: cut off before its answer came",
    );
    expect(error.attempts).toBe(1);
    stopping.dispose();
  });

  it("a caller's signal shared by 30 requests cuts off each, with no listener warning", async () => {
    server = await startTestServer(() => {}); // accepts, never answers
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const client = createSiftClient({ baseUrl: server.url, apiKey: "k", concurrency: 30 });
      const { signal } = controller;
      const pending = Array.from({ length: 30 }, (_, i) =>
        failure(client.getRun(`r${i}`, { signal })),
      );
      await until(() => server!.received.length === 30);
      controller.abort();
      for (const error of await Promise.all(pending)) {
        expect(error.message).toMatch(/interrupted: cut off before its answer came$/);
      }
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("cuts off at once on abortNow (a second Ctrl-C)", async () => {
    server = await startTestServer(() => {});
    const stopping = createStopping(undefined, { graceMs: 60_000 });
    const client = withStopping(createSiftClient({ baseUrl: server.url, apiKey: "k" }), stopping);
    const pending = failure(client.listRuns());
    await until(() => server!.received.length === 1);
    stopping.requestStop();
    stopping.abortNow();
    expect((await pending).reason).toBe("interrupted");
    stopping.dispose();
  });
});
