import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readRun, readRunAnswer, readRunList } from "../../src/sift/run-read.js";
import { listRunsResponseSchema, runResponseSchema, runSchema } from "../../src/sift/schemas.js";

/** How a run's JSON is read: nulls as absent fields, nothing else touched. */

const RUN = {
  runId: "r-1",
  name: "n",
  startTime: "2024-05-01T08:00:00Z",
  tags: ["a"],
  metadata: [{ key: { name: "k", type: "METADATA_KEY_TYPE_STRING" }, stringValue: "v" }],
};

describe("runSchema", () => {
  it("reads a field sent as null as absent, and a run without nulls the same way", () => {
    const withNulls = { ...RUN, archivedDate: null, stopTime: null, description: null };
    const read = runSchema.parse(withNulls);
    expect(read).toEqual(runSchema.parse(RUN));
    expect(read).not.toHaveProperty("archivedDate");
    expect(read.description).toBe("");
    expect(JSON.stringify(read)).toBe(JSON.stringify(runSchema.parse(RUN)));
  });

  it("keeps the answer it reads as it was", () => {
    const answer = JSON.parse(JSON.stringify({ runs: [{ ...RUN, archivedDate: null }, RUN] }));
    const before = JSON.stringify(answer);
    const read = listRunsResponseSchema.parse(answer);
    expect(JSON.stringify(answer)).toBe(before);
    expect(read.runs[0]).toEqual(read.runs[1]);
  });

  it("a field named __proto__ beside a null stays a field: the run read is a plain object", () => {
    const text = `{"runId":"r-2","archivedDate":null,"__proto__":{"isPinned":true,"name":"x"}}`;
    const read = runSchema.parse(JSON.parse(text));
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(read.isPinned).toBe(false);
    expect(read.name).toBe("");
  });
});

/**
 * run-read.ts builds runSchema's output without zod for the client's answers: for any JSON it
 * must give exactly zod's output (to the key order), or decline where zod fails.
 */
describe("the client's reader of runs (readRun) agrees with runSchema", () => {
  const text = fc.oneof(fc.constantFrom("", "2024-05-01T08:00:00Z"), fc.string());
  const wrong = fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.constant([1]));
  /** A field's value: absent, null, of its type, or of another. */
  const field = (right: fc.Arbitrary<unknown>) =>
    fc.option(fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong }), {
      nil: null,
      freq: 4,
    });
  const entry = fc.oneof(
    fc.record({ key: fc.record({ name: fc.string(), type: fc.string() }), stringValue: text }),
    fc.record({ key: fc.record({ name: fc.integer() }) }),
    fc.constant("not an entry"),
  );
  const strings = fc.array(
    fc.oneof({ weight: 8, arbitrary: fc.string() }, { weight: 1, arbitrary: wrong }),
    {
      maxLength: 3,
    },
  );
  const TEXT_FIELDS = [
    "createdDate",
    "modifiedDate",
    "createdByUserId",
    "modifiedByUserId",
    "organizationId",
    "startTime",
    "stopTime",
    "name",
    "description",
    "defaultReportId",
    "clientKey",
    "archivedDate",
    "duration",
  ];
  const FLAGS = ["isPinned", "isArchived", "isAdhoc"];
  const run = fc
    .record(
      {
        runId: field(fc.string()),
        ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, field(text)])),
        ...Object.fromEntries(FLAGS.map((f) => [f, field(fc.boolean())])),
        tags: field(strings),
        assetIds: field(strings),
        metadata: field(
          fc.array(fc.oneof({ weight: 6, arbitrary: entry }, { weight: 1, arbitrary: wrong }), {
            maxLength: 3,
          }),
        ),
        extra: field(fc.string()),
      },
      { requiredKeys: [] },
    )
    // As the client reads it: the JSON of an answer, parsed (nulls kept, no undefined).
    .map((r) => JSON.parse(JSON.stringify(r)) as unknown);

  const agrees = (fast: unknown, zod: { success: boolean; data?: unknown }) => {
    expect(fast !== undefined).toBe(zod.success);
    if (fast !== undefined) {
      expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
      expect(fast).toStrictEqual(zod.data);
    }
  };

  it("for a run", () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: run }, { weight: 1, arbitrary: wrong }), (r) =>
        agrees(readRun(r), runSchema.safeParse(r)),
      ),
      { numRuns: 2000 },
    );
  });

  it("for a run's answer and a page of runs", () => {
    const page = fc.record(
      {
        runs: fc.option(fc.oneof(fc.array(run, { maxLength: 4 }), wrong), { nil: null, freq: 6 }),
        nextPageToken: fc.option(fc.oneof(fc.string(), wrong), { nil: null, freq: 6 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(page, (p) => agrees(readRunList(p), listRunsResponseSchema.safeParse(p))),
      { numRuns: 1000 },
    );
    const answer = fc.record({ run: fc.oneof(run, fc.constant(null)) }, { requiredKeys: [] });
    fc.assert(
      fc.property(answer, (a) => agrees(readRunAnswer(a), runResponseSchema.safeParse(a))),
      { numRuns: 1000 },
    );
  });

  it("a field named __proto__ stays a field it drops", () => {
    const parsed = JSON.parse(`{"runId":"r-2","__proto__":{"isPinned":true,"name":"x"}}`);
    const read = readRun(parsed)!;
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(read).toStrictEqual(runSchema.parse(parsed));
  });
});
