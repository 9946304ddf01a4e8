import { describe, expect, it } from "vitest";
import { listRunsResponseSchema, runSchema } from "../../src/sift/schemas.js";

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
