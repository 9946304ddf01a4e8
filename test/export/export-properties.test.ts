import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSiftClientKey } from "../../src/core/client-key.js";
import { fromEpochNanos } from "../../src/time/timestamp.js";
import { startEmulator } from "../../src/emulator/index.js";
import { SEED } from "../e2e/harness.js";
import { planJson, runCli } from "../e2e/harness.js";
import { exportThenPlan, exportTo, expectNoChanges } from "./export-helpers.js";

/**
 * The export contract as a property: whatever runs Sift holds (odd names, tags, metadata of
 * every type, nanosecond times), `plan` on the exported file right away reports no changes.
 * Runs without a clientKey get one from the key template, always a key Sift accepts for a
 * new run: the plan then only adopts them, and after apply the next export plans to no changes.
 * Runs made before Sift's key rule keep their keys and are matched by them.
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
    key: fc.constantFrom("valid", "legacy", "none"),
  },
  { requiredKeys: ["name", "key"] },
);
const template = fc.constantFrom(
  "run-{runId}",
  "{name}",
  "{name}-{startTime}",
  "ts:{name}@{startTime}",
);

/** Export → plan holds only adoptions of keyless runs, each under a key Sift accepts. */
function expectOnlyAdoptions(plan: Awaited<ReturnType<typeof planJson>>["plan"], text: string) {
  const changed = plan.changes.filter((c) => c.action !== "unchanged");
  for (const change of changed) {
    expect(change.action, `exported manifest:\n${text}`).toBe("adopt");
    expect(change.updateMask).toEqual(["clientKey"]);
    expect(isSiftClientKey(change.clientKey), change.clientKey).toBe(true);
  }
  expect(plan.summary.warnings).toBe(0);
}

const CASES = Number(process.env.EXPORT_PROPERTY_RUNS ?? 15);

describe("export → plan is No changes, for any runs", () => {
  for (const format of ["csv", "yaml"] as const) {
    it(`${format}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(runArb, { minLength: 1, maxLength: 8 }),
          template,
          async (generated, keys) => {
            const runs = generated.map(({ times: t, assets, key, ...run }, i) => ({
              ...run,
              ...(key === "valid" && { clientKey: `p-${i}` }),
              // Made before Sift's rule: a key no new run could have.
              ...(key === "legacy" && { clientKey: `old key #${i}: legacy/${i}` }),
              ...(t && { startTime: t[0], stopTime: t[1] }),
              // Sift holds assets on runs of any kind; CreateAdhocRun only with both times.
              ...(t && assets && { assets }),
              metadata: { ...run.metadata },
            }));
            const emulator = await startEmulator({
              port: 0,
              seed: {
                ...SEED,
                metadataKeys: [
                  ...SEED.metadataKeys,
                  { name: "odd key: with colon", type: "string" },
                ],
                runs,
              } as never,
            });
            try {
              const args = ["--include-archived", "--key-template", keys];
              const { plan, text } = await exportThenPlan(emulator, format, args);
              if (generated.every((r) => r.key !== "none")) return expectNoChanges(plan, text);
              expectOnlyAdoptions(plan, text);
              const exported = await exportTo(emulator, format, args);
              const applied = await runCli(emulator, ["apply", exported.file]);
              expect(applied.code, applied.stderr).toBe(0);
              const again = await exportThenPlan(emulator, format, args);
              expectNoChanges(again.plan, again.text);
            } finally {
              await emulator.close();
            }
          },
        ),
        { numRuns: CASES },
      );
    }, 120_000);
  }
});
