import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAdoptBy } from "../../src/core/adopt-by.js";
import { fromEpochNanos, type Timestamp, toEpochNanos } from "../../src/time/timestamp.js";
import { keylessFilters } from "../../src/plan/adopt-filters.js";
import { MAX_RANGE_NS, RANGE_MERGE_GAP_NS, timeRanges } from "../../src/sift/run-filters.js";
import { filterBudget } from "../../src/sift/in-filter.js";
import { createSiftClient } from "../../src/sift/client.js";
import { MAX_URL_BYTES } from "../../src/sift/url.js";
import { spec, ts } from "./builders.js";

/**
 * The filters that find adoption candidates use only what Sift's own clients use: `name in
 * [...]`, `>=`/`<=` ranges on times, `==` on metadata; never `in` on a timestamp or metadata
 * field. Every URL stays under 8 KiB, and time ranges stay bounded.
 */

// Never contacted: only its URL arithmetic is used.
const client = createSiftClient({ baseUrl: "https://sift.example.com", apiKey: "unused-key" });
const budget = filterBudget(client, "ListRuns");
const NO_KEY_TYPES = new Map();

/** Instants from 2020 to 2030, to the nanosecond. */
const instant = fc
  .bigInt({ min: 1_577_836_800_000_000_000n, max: 1_893_456_000_000_000_000n })
  .map((n) => fromEpochNanos(n));

function urlBytes(filter: string): number {
  return client.listUrlBytes("/api/v2/runs", {
    filter,
    pageSize: 1000,
    pageToken: "x".repeat(200),
  });
}

describe("time ranges for --adopt-by without name", () => {
  it("cover every row's instant, each within a bounded width, merging only close neighbours", () => {
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 400 }), (instants) => {
        const ranges = timeRanges(instants);
        for (const t of instants) {
          const n = toEpochNanos(t);
          expect(ranges.filter((r) => r.from <= n && n <= r.to)).toHaveLength(1);
        }
        for (const [i, r] of ranges.entries()) {
          expect(r.to - r.from).toBeLessThan(MAX_RANGE_NS);
          const next = ranges[i + 1];
          if (next !== undefined) expect(next.from).toBeGreaterThan(r.to);
        }
      }),
    );
  });

  it("widens an instant to its whole second, and merges a burst of runs a few seconds apart", () => {
    const ranges = timeRanges([
      ts("2024-02-01T10:00:00.123456789Z"),
      ts("2024-02-01T10:00:30Z"),
      ts("2024-02-01T10:01:29Z"),
      ts("2024-03-01T00:00:00Z"),
    ]);
    expect(ranges.map((r) => [fromEpochNanos(r.from), fromEpochNanos(r.to)])).toEqual([
      ["2024-02-01T10:00:00Z", "2024-02-01T10:01:29.999999999Z"],
      ["2024-03-01T00:00:00Z", "2024-03-01T00:00:00.999999999Z"],
    ]);
    expect(RANGE_MERGE_GAP_NS).toBe(60_000_000_000n);
  });

  it("never lets one range grow past MAX_RANGE_NS, however dense the rows", () => {
    const start = toEpochNanos(ts("2024-01-01T00:00:00Z"));
    // One row every 30 s for 10 hours: every neighbour is close.
    const instants = Array.from({ length: 1200 }, (_, i) =>
      fromEpochNanos(start + BigInt(i) * 30_000_000_000n),
    );
    const ranges = timeRanges(instants);
    expect(ranges.length).toBe(10);
    for (const r of ranges) expect(r.to - r.from).toBeLessThan(MAX_RANGE_NS);
  });
});

describe("timeRanges with a tolerance", () => {
  it("widens each instant by the tolerance on both sides, so every run within it is listed", () => {
    const tolerance = 600n * 1_000_000_000n;
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 50 }), (instants) => {
        const ranges = timeRanges(instants as Timestamp[], tolerance);
        for (const t of instants) {
          const at = toEpochNanos(t as Timestamp);
          for (const edge of [at - tolerance, at + tolerance]) {
            expect(ranges.some((r) => r.from <= edge && edge <= r.to)).toBe(true);
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("keylessFilters", () => {
  it("uses client_key == null && name in [...] when name is listed", () => {
    const specs = [spec({ name: "Hot fire 1" }), spec({ name: "It's 2" })];
    expect(
      keylessFilters(specs, parseAdoptBy(["startTime", "name"]), NO_KEY_TYPES, budget),
    ).toEqual(["client_key == null && name in ['Hot fire 1','It\\'s 2']"]);
  });

  it("uses >=/<= ranges on the first listed time, never `in` on it", () => {
    const specs = [
      spec({ stopTime: ts("2024-02-01T10:30:00Z") }),
      spec({ stopTime: ts("2024-05-01T10:30:00Z") }),
      spec({}), // leaves the field out: it can match nothing, so it asks for nothing
    ];
    expect(
      keylessFilters(specs, parseAdoptBy(["stopTime", "startTime"]), NO_KEY_TYPES, budget),
    ).toEqual([
      "client_key == null && (" +
        "(stop_time >= timestamp('2024-02-01T10:30:00Z') && stop_time <= timestamp('2024-02-01T10:30:00.999999999Z'))" +
        " || (stop_time >= timestamp('2024-05-01T10:30:00Z') && stop_time <= timestamp('2024-05-01T10:30:00.999999999Z'))" +
        ")",
    ]);
  });

  it("uses == on a metadata key (escaped, typed), never `in` on it", () => {
    const keyTypes = new Map([["alt", "METADATA_KEY_TYPE_NUMBER" as const]]);
    const specs = [
      spec({ metadata: { "it's": { value: "x' || true || 'y" } } }),
      spec({ metadata: { "it's": { value: "b" } } }),
    ];
    expect(keylessFilters(specs, parseAdoptBy(["metadata.it's"]), NO_KEY_TYPES, budget)).toEqual([
      "client_key == null && (metadata['it\\'s'] == 'x\\' || true || \\'y' || metadata['it\\'s'] == 'b')",
    ]);
    expect(
      keylessFilters(
        [spec({ metadata: { alt: { value: 3 } } })],
        parseAdoptBy(["metadata.alt"]),
        keyTypes,
        budget,
      ),
    ).toEqual(["client_key == null && (metadata['alt'] == 3.0)"]);
  });

  it("keeps every URL under 8 KiB and never sends `in` on a time or metadata field", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ start: instant, note: fc.string({ maxLength: 60 }) }), {
          maxLength: 1000,
        }),
        fc.constantFrom(["startTime"], ["stopTime", "name"], ["metadata.note"]) as fc.Arbitrary<
          ("startTime" | "stopTime" | "name" | `metadata.${string}`)[]
        >,
        (rows, adoptBy) => {
          const specs = rows.map((r) =>
            spec({
              name: r.note,
              startTime: r.start as Timestamp,
              stopTime: r.start as Timestamp,
              metadata: { note: { value: r.note } },
            }),
          );
          for (const filter of keylessFilters(specs, parseAdoptBy(adoptBy), NO_KEY_TYPES, budget)) {
            expect(urlBytes(filter)).toBeLessThanOrEqual(MAX_URL_BYTES);
            expect(filter.startsWith("client_key == null && ")).toBe(true);
            expect(filter).not.toMatch(/(_time|\]) in \[/);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
