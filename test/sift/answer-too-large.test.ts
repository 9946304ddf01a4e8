import { describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
import { ApiError } from "../../src/core/errors.js";
import { startEmulator } from "../../src/emulator/index.js";
import { createSiftClient, ItemTooLargeError } from "../../src/sift/client.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";
import { FAST_RETRY } from "./test-server.js";

/**
 * Sift refuses an answer over gRPC's receive limit with HTTP 429 and code 8 RESOURCE_EXHAUSTED
 * "grpc: received message larger than max (N vs. M)" (sift-api.md, Large answers). That is no
 * throttling: the client asks again at once for half the page, keeps the smaller size, and
 * leaves the request pool's rate alone.
 */

/** 40 runs of ~10.4 KB each: 3 fit in a 35,000-byte answer, 7 do not. */
const RUNS = Array.from({ length: 40 }, (_, i) => ({
  runId: uuidFor(`id-wide-${String(i).padStart(2, "0")}`),
  clientKey: `wide-${String(i).padStart(2, "0")}`,
  name: `Wide ${i}`,
  description: "d".repeat(10_000),
}));
const MAX_ANSWER_BYTES = 35_000;

const emulator = useEmulator({ maxAnswerBytes: MAX_ANSWER_BYTES, seed: { runs: RUNS } });

function client() {
  return createSiftClient({ baseUrl: emulator().url, apiKey: "local", retry: FAST_RETRY });
}

describe("the emulator's --max-answer-bytes", () => {
  it("answers a page over the limit with 429, code 8 and gRPC's message-size error", async () => {
    emulator().resetStats();
    const { status, body } = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ pageSize: 7 })}`,
    );
    expect(status).toBe(429);
    expect(body).toEqual({
      code: 8,
      message: expect.stringMatching(
        new RegExp(`^grpc: received message larger than max \\(\\d+ vs\\. ${MAX_ANSWER_BYTES}\\)$`),
      ),
      details: [],
    });
    expect(emulator().stats().tooLarge).toBe(1);
    const small = await callApi(emulator(), "GET", `/api/v2/runs${query({ pageSize: 3 })}`);
    expect(small.status).toBe(200);
    expect(small.body.runs).toHaveLength(3);
  });
});

describe("a page refused for its size", () => {
  it("is asked for again at once with half the pageSize; later pages keep it; nothing is throttled", async () => {
    emulator().resetStats();
    const sift = client();
    const keys: string[] = [];
    for await (const run of sift.listAllRuns(undefined, { orderBy: "created_date" })) {
      keys.push(run.clientKey!);
    }
    expect(keys).toEqual(RUNS.map((r) => r.clientKey));
    // 1000, 500, 250, 125, 62, 31, 15, 7 refused; then pages of 3: 14 of them.
    const stats = emulator().stats();
    expect(stats.tooLarge).toBe(8);
    expect(stats.requests.ListRuns).toBe(8 + 14);
    // Not retried as a failure, and the pool's AIMD never halved its limit for it.
    expect(sift.stats().retries).toBe(0);
    expect(sift.stats().pool.throttled).toBe(0);
  });

  it("a page prefetched while the caller works is halved the same way", async () => {
    const pages: number[] = [];
    for await (const page of client().listRunPages("name.startsWith('Wide')", {
      orderBy: "created_date",
      prefetch: true,
    })) {
      pages.push(page.length);
    }
    expect(pages.reduce((a, b) => a + b, 0)).toBe(RUNS.length);
    expect(Math.max(...pages)).toBe(3);
  });

  it("a lone run over the limit ends in one clear error naming the listing, not a loop", async () => {
    emulator().load({
      runs: [
        {
          runId: "55c30e97-c969-4015-838a-3a20af510ebb",
          clientKey: "huge",
          name: "Huge",
          description: "h".repeat(50_000),
        },
      ],
    });
    emulator().resetStats();
    const sift = client();
    const filter = "name.startsWith('Huge') || name == 'Wide 0' || name == 'Wide 1'";
    const seen: string[] = [];
    const error = await (async () => {
      for await (const run of sift.listAllRuns(filter, { orderBy: "created_date" })) {
        seen.push(run.runId);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemTooLargeError);
    expect(error).toBeInstanceOf(ApiError);
    expect(seen).toEqual([uuidFor("id-wide-00"), uuidFor("id-wide-01")]);
    expect((error as ItemTooLargeError).itemsBefore).toBe(2);
    expect((error as Error).message).toMatch(
      /^\[GET \/api\/v2\/runs\] 429: grpc: received message larger than max \(\d+ vs\. 35000\): a single run is larger than the API sends in one answer, even with pageSize 1 \(ListRuns with filter "name\.startsWith\('Huge'\) \|\| name == 'Wide 0' \|\| name == 'Wide 1'": the run after the first 2\); it cannot be read through the REST API$/,
    );
    // 1000 → 1 is ten sizes; a few more pages for the runs before it. Bounded, no loop.
    expect(emulator().stats().requests.ListRuns).toBeLessThanOrEqual(14);
    expect(sift.stats().pool.throttled).toBe(0);
  });
});

describe("throttling is still throttling", () => {
  it("a 429 with code 8 that says nothing about size is backed off and retried", async () => {
    // The emulator's --rps answers 429 {"code": 8, "message": "rate limit exceeded: ..."}.
    const limited = await startEmulator({ port: 0, rps: 10 });
    try {
      const sift = createSiftClient({ baseUrl: limited.url, apiKey: "local" });
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => sift.listRuns({ filter: `name == 'n${i}'` })),
      );
      expect(answers).toHaveLength(30);
      const server = limited.stats();
      expect(server.throttled).toBeGreaterThan(0);
      expect(server.tooLarge).toBe(0);
      expect(sift.stats().retries).toBe(server.throttled);
      expect(sift.stats().pool.throttled).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
