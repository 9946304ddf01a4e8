import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPlanDigest, digestPlanDocument } from "../../src/report/plan-file-digest.js";
import {
  createPlanFileWriter,
  type PlanFileMeta,
  readPlanFile,
} from "../../src/report/plan-file.js";
import { mixedPlan } from "./fixtures.js";
import { feed } from "./helpers.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents of any shape
type Json = any;

const META: PlanFileMeta = {
  target: "https://api.example.test",
  createdAt: "2024-05-01T12:00:00.000Z",
  options: { metadata: "merge", ignore: [] },
  manifests: ["runs.csv"],
};

/** The same JSON value with every object's keys in another order. */
function reorder(value: Json, order: "reverse" | "sorted"): Json {
  if (Array.isArray(value)) return value.map((v) => reorder(v, order));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value).sort();
  if (order === "reverse") keys.reverse();
  return Object.fromEntries(keys.map((k) => [k, reorder(value[k], order)]));
}

const plans = fc.record({
  head: fc.dictionary(
    fc.string().filter((k) => k !== "changes" && k !== "summary"),
    fc.jsonValue(),
    { maxKeys: 6 },
  ),
  changes: fc.array(fc.jsonValue(), { maxLength: 8 }),
  summary: fc.dictionary(fc.string(), fc.integer({ min: 0 }), { maxKeys: 4 }),
});

describe("a saved plan's digest", () => {
  it("is sha256 over canonical JSON: the same under any key order and whitespace, streamed or whole", () => {
    fc.assert(
      fc.property(
        plans,
        fc.constantFrom("reverse", "sorted"),
        ({ head, changes, summary }, order) => {
          const doc = { ...head, changes, summary };
          const digest = digestPlanDocument(doc);
          expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
          const reformatted = JSON.parse(JSON.stringify(reorder(doc, order), null, 2));
          expect(digestPlanDocument(reformatted)).toBe(digest);
          const streamed = createPlanDigest(head);
          for (const change of changes) streamed.addEntry(change);
          expect(streamed.end({ summary })).toBe(digest);
        },
      ),
    );
  });

  it("changes with any value, and leaves out a digest member (a file cannot vouch for itself)", () => {
    const doc = { version: 2, changes: [{ clientKey: "a", name: "x" }], summary: { create: 1 } };
    const digest = digestPlanDocument(doc);
    expect(digestPlanDocument({ ...doc, changes: [{ clientKey: "a", name: "y" }] })).not.toBe(
      digest,
    );
    expect(digestPlanDocument({ ...doc, summary: { create: 2 } })).not.toBe(digest);
    expect(digestPlanDocument({ ...doc, digest: "sha256:whatever" })).toBe(digest);
  });

  it("plan --out's writer and apply's reader agree, also on a file reformatted by jq", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-digest-"));
    const path = join(dir, "plan.json");
    const writer = createPlanFileWriter(path, META);
    feed(writer, mixedPlan());
    const written = writer.digest();
    expect(written).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await readPlanFile(path)).digest).toBe(written);
    const pretty = join(dir, "pretty.json");
    writeFileSync(
      pretty,
      JSON.stringify(reorder(JSON.parse(readFileSync(path, "utf8")), "reverse"), null, 2),
    );
    expect((await readPlanFile(pretty)).digest).toBe(written);
  });
});
