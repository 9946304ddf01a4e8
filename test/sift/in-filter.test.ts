import { evaluate } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchInFilters, MAX_BATCH_VALUES } from "../../src/sift/in-filter.js";
import { filterBudget } from "../../src/sift/in-filter.js";
import { createSiftClient } from "../../src/sift/client.js";
import { MAX_URL_BYTES } from "../../src/sift/url.js";

// Never contacted: only its URL arithmetic is used.
const client = createSiftClient({ baseUrl: "https://sift.example.com", apiKey: "unused-key" });

function batches(keys: string[]): string[] {
  return batchInFilters("client_key", keys, filterBudget(client, "ListRuns"));
}

describe("batchInFilters", () => {
  it("keeps every lookup URL, as the client sends it, under 8 KiB", () => {
    // Quotes are sent as %27: short keys full of quotes are the worst case per byte.
    const keys = Array.from({ length: 5000 }, (_, i) => `k'${i}`);
    for (const filter of batches(keys)) {
      const bytes = client.listUrlBytes("/api/v2/runs", {
        filter,
        pageSize: 1000,
        pageToken: "x".repeat(200),
      });
      expect(bytes).toBeLessThanOrEqual(MAX_URL_BYTES);
    }
  });

  it("puts every value in exactly one filter, and never more than a page of them", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 40, unit: "grapheme" }), { maxLength: 3000 }),
        (keys) => {
          const filters = batches(keys);
          const seen: string[] = [];
          for (const filter of filters) {
            const inBatch = keys.filter((k) => evaluate(filter, { client_key: k }) === true);
            expect(inBatch.length).toBeLessThanOrEqual(MAX_BATCH_VALUES);
            seen.push(...inBatch);
          }
          expect(seen.sort()).toEqual([...keys].sort());
        },
      ),
      { numRuns: 30 },
    );
  });

  it("fits about 450 ordinary keys per request", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `tv-${String(i).padStart(6, "0")}`);
    expect(batches(keys).length).toBeLessThanOrEqual(12);
  });
});
