import fc from "fast-check";
import { describe, it } from "vitest";
import { fromEpochNanos } from "../../src/core/timestamp.js";
import { startEmulator } from "../../src/emulator/index.js";
import { SEED } from "../e2e/harness.js";
import { exportThenPlan, expectNoChanges } from "./export-helpers.js";

/**
 * The export contract as a property: whatever runs Sift holds (odd names, tags, metadata of
 * every type, nanosecond times), `plan` on the exported file right away reports no changes.
 */

const oddText = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
  fc.constantFrom(
    "a,b",
    'say "hi"',
    "semi;colon",
    "line\nbreak",
    "  padded  ",
    "=1+2",
    "#not a comment",
    "- dash",
    "true",
    "123",
    "null",
    "~",
    "{x: 1}",
    "tab\there",
    "ünï©ødé 🚀",
    "key: value",
  ),
);
const name = oddText.filter((s) => s.trim() !== "");
const tag = fc
  .oneof(
    fc.stringMatching(/^[a-z0-9][a-z0-9 _.-]{0,10}[a-z0-9]$/),
    fc.constantFrom("hot", "a;b", "ü"),
  )
  .map((t) => t.trim());
const nanos = fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n });
// Ordered as numbers: as text, `...00.000000001Z` sorts before `...00Z`.
const times = fc
  .tuple(nanos, nanos)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => (a < b ? [a, b] : [b, a]).map(fromEpochNanos));
const metadata = fc.record(
  {
    campaign: oddText,
    altitude_m: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    passed: fc.boolean(),
    "odd key: with colon": oddText,
  },
  { requiredKeys: [] },
);
const runArb = fc.record(
  {
    name,
    description: oddText,
    times: fc.option(times, { nil: undefined }),
    assets: fc.subarray(["stand-a", "stand-b", "rig-7"]),
    tags: fc.uniqueArray(tag, { maxLength: 4 }),
    isPinned: fc.boolean(),
    isArchived: fc.boolean(),
    metadata,
  },
  { requiredKeys: ["name"] },
);

const CASES = Number(process.env.EXPORT_PROPERTY_RUNS ?? 15);

describe("export → plan is No changes, for any runs", () => {
  for (const format of ["csv", "yaml"] as const) {
    it(`${format}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(runArb, { minLength: 1, maxLength: 8 }), async (generated) => {
          const runs = generated.map(({ times: t, assets, ...run }, i) => ({
            ...run,
            clientKey: `p-${i}`,
            ...(t && { startTime: t[0], stopTime: t[1] }),
            // Sift holds assets on runs of any kind; CreateAdhocRun only with both times.
            ...(t && assets && { assets }),
            metadata: { ...run.metadata },
          }));
          const emulator = await startEmulator({
            port: 0,
            seed: {
              ...SEED,
              metadataKeys: [...SEED.metadataKeys, { name: "odd key: with colon", type: "string" }],
              runs,
            } as never,
          });
          try {
            const { plan, text } = await exportThenPlan(emulator, format, ["--include-archived"]);
            expectNoChanges(plan, text);
          } finally {
            await emulator.close();
          }
        }),
        { numRuns: CASES },
      );
    }, 120_000);
  }
});
