import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromEpochNanos } from "../../src/time/timestamp.js";
import type { RunSpec } from "../../src/manifest/spec.js";
import { Invalid, readTags } from "../../src/manifest/values.js";
import { type DiffOptions, diffRun } from "../../src/plan/diff.js";
import type { Run } from "../../src/sift/schemas.js";
import { ASSETS, context, run, simulateApply, spec } from "./builders.js";

const KEY_TYPES = {
  alt: "METADATA_KEY_TYPE_NUMBER",
  site: "METADATA_KEY_TYPE_STRING",
  ok: "METADATA_KEY_TYPE_BOOLEAN",
} as const;

const instant = fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }).map(fromEpochNanos);
const tagSet = fc
  .uniqueArray(fc.constantFrom("a", "b", "c", "d", "hot"), { maxLength: 4 })
  .map((t) => t.sort());
const metaValues = fc.record(
  {
    alt: fc
      .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
      .map((value) => ({ value })),
    site: fc.string().map((value) => ({ value })),
    ok: fc.boolean().map((value) => ({ value })),
  },
  { requiredKeys: [] },
);
const times = fc
  .tuple(instant, instant)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => (a < b ? [a, b] : [b, a]));

const specArb: fc.Arbitrary<RunSpec> = fc
  .record(
    {
      name: fc.string({ minLength: 1 }),
      description: fc.string(),
      times,
      tags: tagSet,
      isPinned: fc.boolean(),
      isArchived: fc.boolean(),
      metadata: metaValues,
    },
    { requiredKeys: ["name"] },
  )
  .map(({ times: t, ...rest }) => spec({ ...rest, ...(t && { startTime: t[0], stopTime: t[1] }) }));

const existingArb: fc.Arbitrary<Run | undefined> = fc.option(
  fc
    .record({
      name: fc.string(),
      description: fc.string(),
      times: fc.option(times, { nil: undefined }),
      tags: tagSet,
      isPinned: fc.boolean(),
      isArchived: fc.boolean(),
      alt: fc.option(fc.integer(), { nil: undefined }),
      site: fc.option(fc.string(), { nil: undefined }),
      assetIds: fc.subarray([...ASSETS.values()]),
    })
    .map(({ times: t, alt, site, ...rest }) =>
      run({
        ...rest,
        ...(t && { startTime: t[0], stopTime: t[1] }),
        metadata: [
          ...(alt === undefined
            ? []
            : [{ key: { name: "alt", type: KEY_TYPES.alt }, numberValue: alt }]),
          ...(site === undefined
            ? []
            : [{ key: { name: "site", type: KEY_TYPES.site }, stringValue: site }]),
        ],
      }),
    ),
  { nil: undefined },
);

const optionsArb: fc.Arbitrary<DiffOptions> = fc.record({
  metadata: fc.constantFrom("merge" as const, "replace" as const),
  ignore: fc.subarray(["name", "tags", "startTime", "metadata"] as const).map((a) => new Set(a)),
});

describe("diffRun properties", () => {
  it("diff, then apply, then diff again is unchanged", () => {
    fc.assert(
      fc.property(specArb, existingArb, optionsArb, (s, existing, options) => {
        const ctx = context(KEY_TYPES);
        const change = diffRun(s, existing, ctx, options);
        expect(change.action).not.toBe("invalid");
        if (change.action === "invalid") return;
        const after = simulateApply(change, existing);
        const again = diffRun(s, after, ctx, options);
        expect(again.action).toBe("unchanged");
      }),
      { numRuns: 500 },
    );
  });

  it("never names a field in the mask whose value is equal, nor an unmanaged or ignored one", () => {
    fc.assert(
      fc.property(specArb, existingArb, optionsArb, (s, existing, options) => {
        const change = diffRun(s, existing, context(KEY_TYPES), options);
        if (change.action !== "update") return;
        for (const path of change.mask) {
          expect(path).not.toBe("clientKey");
          expect(options.ignore.has(path as never)).toBe(false);
          const managedAs = path === "metadata" ? s.metadata : s[path as keyof RunSpec];
          expect(managedAs).not.toBeUndefined();
          const fields = change.fields.filter((f) => f.path === path);
          expect(fields.length).toBeGreaterThan(0);
          for (const f of fields) expect(f.before).not.toEqual(f.after);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("never plans an empty mask, nor clientKey in the mask of a run that has one", () => {
    fc.assert(
      fc.property(specArb, existingArb, optionsArb, fc.boolean(), (s, existing, options, keyed) => {
        // The lookup finds a run by its clientKey, so a run that has one has the spec's.
        const current = existing && keyed ? { ...existing, clientKey: s.clientKey } : existing;
        const change = diffRun(s, current, context(KEY_TYPES), options);
        const masks: string[] = [];
        if (change.action === "update") masks.push(change.body.updateMask, change.mask.join(","));
        if (change.action === "create" && change.followUp) masks.push(change.followUp.updateMask);
        for (const mask of masks) {
          expect(mask).not.toBe("");
          if (current?.clientKey !== undefined) expect(mask.split(",")).not.toContain("clientKey");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("tag names with surrounding whitespace converge once Sift trims them", () => {
    const padded = fc.uniqueArray(fc.constantFrom("a", " a", "b ", " hot\t", "hot"), {
      maxLength: 4,
    });
    fc.assert(
      fc.property(padded, tagSet, (tags, existingTags) => {
        const read = readTags(tags);
        if (read instanceof Invalid) throw new Error(read.message);
        const s = spec({ name: "n", tags: read });
        const options = { metadata: "merge" as const, ignore: new Set<never>() };
        const change = diffRun(
          s,
          run({ name: "n", tags: existingTags }),
          context(KEY_TYPES),
          options,
        );
        // What Sift stores is what the plan sends: the trimmed names.
        const sent = change.action === "update" ? change.body.run.tags : existingTags;
        const stored = [...new Set((sent ?? []).map((t) => t.trim()))];
        const again = diffRun(s, run({ name: "n", tags: stored }), context(KEY_TYPES), options);
        expect(again.action).toBe("unchanged");
      }),
      { numRuns: 300 },
    );
  });
});
