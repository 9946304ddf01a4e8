import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromEpochNanos, type Timestamp, toEpochNanos } from "../../src/time/timestamp.js";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/**
 * A filter whose top-level conjunct is a disjunction of `>=`/`<=` ranges on start_time or
 * stop_time (what `--adopt-by startTime` sends) is answered from a sorted index, not by
 * evaluating every run: the answer must be exactly the full scan's, to the nanosecond.
 */
const BASE = toEpochNanos("2024-01-01T00:00:00Z" as Timestamp);
const SPAN = 86_400n * 1_000_000_000n;
const time = (offset: bigint) => fromEpochNanos(BASE + offset);

// 300 runs over a day: some with nanosecond times, some sharing a time, some without one.
const RUNS = Array.from({ length: 300 }, (_, i) => {
  const offset = (BigInt(i) * 7_919_000_000_123n) % SPAN;
  return {
    clientKey: i % 5 === 0 ? `keyed-${i}` : undefined,
    name: `R${i}`,
    ...(i % 11 !== 0 && { startTime: time(offset - (offset % 3n === 0n ? offset % 1000n : 0n)) }),
    ...(i % 11 !== 0 && i % 3 !== 0 && { stopTime: time(offset + 60_000_000_000n) }),
  };
});
const emulator = useEmulator({ seed: { runs: RUNS } });

async function names(filter: string): Promise<string[]> {
  const found: string[] = [];
  let pageToken = "";
  do {
    const { status, body } = await callApi(
      emulator(),
      "GET",
      `/api/v2/runs${query({ filter, pageSize: 1000, pageToken, orderBy: "created_date" })}`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    found.push(...(body.runs ?? []).map((r: { name: string }) => r.name));
    pageToken = body.nextPageToken ?? "";
  } while (pageToken !== "");
  return found;
}

const range = fc
  .tuple(fc.bigInt({ min: -SPAN / 10n, max: SPAN }), fc.bigInt({ min: 0n, max: SPAN / 20n }))
  .map(([from, width]) => [from, from + width] as const);

describe("ranged lookups", () => {
  it("answer exactly what a full scan answers, for start_time and stop_time", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(range, { minLength: 1, maxLength: 12 }),
        fc.constantFrom("start_time", "stop_time") as fc.Arbitrary<"start_time" | "stop_time">,
        fc.boolean(),
        async (ranges, field, keyless) => {
          const clauses = ranges.map(
            ([a, b]) =>
              `(${field} >= timestamp('${time(a)}') && ${field} <= timestamp('${time(b)}'))`,
          );
          const filter = `${keyless ? "client_key == null && " : ""}(${clauses.join(" || ")})`;
          const read = field === "start_time" ? "startTime" : "stopTime";
          const expected = RUNS.filter((run) => {
            if (keyless && run.clientKey !== undefined) return false;
            const value = run[read];
            if (value === undefined) return false;
            const n = toEpochNanos(value);
            return ranges.some(([a, b]) => BASE + a <= n && n <= BASE + b);
          }).map((r) => r.name);
          expect(await names(filter)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a run added after a first ranged lookup is found by the next one", async () => {
    const filter = `start_time >= timestamp('2030-01-01T00:00:00Z') && start_time <= timestamp('2030-01-01T00:00:00.999999999Z')`;
    expect(await names(filter)).toEqual([]);
    emulator().load({ runs: [{ name: "Later", startTime: "2030-01-01T00:00:00.5Z" }] });
    expect(await names(filter)).toEqual(["Later"]);
  });
});
