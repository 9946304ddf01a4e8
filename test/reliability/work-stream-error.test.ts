import { afterEach, describe, expect, it } from "vitest";
import { applyWork, rowsAfter } from "../../src/apply/apply-work.js";
import type { RowRef, RowResult, Work } from "../../src/apply/work.js";
import { ApiError } from "../../src/core/errors.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { createSiftClient } from "../../src/sift/client.js";

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Creates that stream in, then a lookup that fails for good (as when the API goes away). */
async function* createsThenLookupFailure(n: number): AsyncGenerator<Work> {
  for (let i = 0; i < n; i++) {
    yield {
      kind: "create",
      clientKey: `w-${i}`,
      source: `runs.csv:${i + 2}`,
      call: "CreateRun",
      body: { name: `Run ${i}`, clientKey: `w-${i}` },
      followUp: undefined,
    };
  }
  throw new ApiError({ request: "GET /api/v2/runs", status: 0, apiMessage: "cannot reach" });
}

/** The manifest's rows, as an early stop reads them again: 5 reached, 3 never reached. */
async function* allRows(): AsyncGenerator<RowRef> {
  for (let i = 0; i < 8; i++) yield { clientKey: `w-${i}`, source: `runs.csv:${i + 2}` };
}

describe("apply when the stream of rows fails (a lookup failing for good)", () => {
  it("reports every row under way, then every row not reached as skipped, and does not throw", async () => {
    // Latency keeps the creates under way when the stream throws.
    emulator = await startEmulator({ port: 0, latencyMs: 150 });
    const client = createSiftClient({ baseUrl: emulator.url, apiKey: "local" });
    const rows: RowResult[] = [];
    const counts = await applyWork(createsThenLookupFailure(5), {
      client,
      concurrency: 8,
      onConflict: () => {
        throw new Error("no conflict expected");
      },
      onResult: (row) => rows.push(row),
      unreached: (reached) => rowsAfter(allRows(), reached),
    });
    expect(counts).toMatchObject({ created: 5, skipped: 3, failed: 0 });
    expect(counts.stopped).toMatchObject({
      kind: "api-unavailable",
      error: expect.stringMatching(/cannot reach/),
    });
    // The writes were sent: their outcomes must be known (and in a results file) before the
    // command reports the error and closes that file.
    expect(rows.slice(0, 5).map((r) => [r.clientKey, r.outcome.status])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`w-${i}`, "ok"]),
    );
    expect(rows.slice(5).map((r) => [r.clientKey, r.outcome])).toEqual(
      [5, 6, 7].map((i) => [
        `w-${i}`,
        {
          status: "skipped",
          action: "unplanned",
          error: "not attempted: the API stopped answering; run the same command again",
          grouped: true,
          skip: { code: "not-attempted", stop: "api-unavailable" },
        },
      ]),
    );
    expect(emulator.runs()).toHaveLength(5);
  });
});
