import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { createSiftClient } from "../../src/sift/client.js";

/**
 * Sift's 429s carry no Retry-After (sift-api.md): the client must back off on its own,
 * exponentially with jitter, and halve what it has in flight, never loop tightly.
 */
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rps: 20, retryAfterSeconds: "none" });
});
afterAll(() => emulator.close());

describe("429 without Retry-After", () => {
  it("every request ends well, with few 429s and a halved in-flight limit", async () => {
    const client = createSiftClient({ baseUrl: emulator.url, apiKey: "local", concurrency: 16 });
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) => client.listRuns({ filter: `name == 'n${i}'` })),
    );
    expect(answers).toHaveLength(80);
    const server = emulator.stats();
    const stats = client.stats();
    expect(server.throttled).toBeGreaterThan(0);
    // Each 429 was retried, and the pool halved its limit (AIMD) at least once.
    expect(stats.retries).toBe(server.throttled);
    expect(stats.pool.throttled).toBeGreaterThan(0);
    expect(stats.pool.maxInFlight).toBeLessThanOrEqual(16);
    // No tight loop: retrying at once, 16 requests in flight would collect 429s by the
    // hundreds per second; backing off, the client stays within a few per request.
    expect(server.throttled).toBeLessThan(3 * 80);
    expect(server.requests.ListRuns).toBe(80 + server.throttled);
  });
});
