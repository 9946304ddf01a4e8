import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffRun } from "../../src/plan/diff.js";
import { formatProblem } from "../../src/core/errors.js";
import type { MetadataValue } from "../../src/sift/schemas.js";
import { unknownEntries } from "../helpers/unknown-entries.js";
import { context, MERGE, REPLACE, run, simulateApply, spec } from "./builders.js";

/**
 * UpdateRun replaces a run's metadata list whole: entries no manifest can express (a relation,
 * a type or field this tool does not know) go back exactly as Sift sent them.
 */

const STRING = "METADATA_KEY_TYPE_STRING";
const RELATION = "METADATA_KEY_TYPE_RELATION";
const site = (value: string): MetadataValue => ({
  key: { name: "site", type: STRING, archivedDate: null, isArchived: false },
  stringValue: value,
  archivedDate: null,
  isArchived: false,
});
const operator: MetadataValue = { key: { name: "operator", type: STRING }, stringValue: "ana" };
const folder: MetadataValue = {
  key: { name: "folder", type: RELATION },
  relationValue: { resourceType: "folder", resourceId: "0b6f0a52-6b1e-4c8e-9a57-3f3c1d2e4a10" },
};
const held = run({ metadata: [site("north"), folder, operator] });
const wantSite = spec({ metadata: { site: { value: "south" } } });
const KEYS = context({ site: STRING, operator: STRING, folder: RELATION });

function update(change: ReturnType<typeof diffRun>) {
  if (change.action !== "update") throw new Error(`expected an update, got ${change.action}`);
  return change;
}

describe("a run holding a relation entry", () => {
  it("merge sends it back as the same object, beside the kept and the new values", () => {
    const change = update(diffRun(wantSite, held, KEYS, MERGE));
    expect(change.body.run.metadata).toEqual([
      { key: { name: "site", type: STRING }, stringValue: "south" },
      folder,
      operator,
    ]);
    expect(change.body.run.metadata![1]).toBe(folder);
    expect(change.body.run.metadata![2]).toBe(operator);
    expect(change.fields.map((f) => f.label)).toEqual(["metadata.site"]);
    expect(change.warnings).toEqual([]);
  });

  it("replace keeps it, removes the other keys, and says so once", () => {
    const change = update(diffRun(wantSite, held, KEYS, REPLACE));
    expect(change.body.run.metadata).toEqual([
      { key: { name: "site", type: STRING }, stringValue: "south" },
      folder,
    ]);
    expect(change.fields.map((f) => [f.label, f.before, f.after])).toEqual([
      ["metadata.site", "north", "south"],
      ["metadata.operator", "ana", undefined],
    ]);
    expect(change.warnings).toEqual([
      {
        code: "metadata-kept",
        message:
          "--metadata replace keeps metadata.folder as Sift has it: relation values are not managed by manifests",
      },
    ]);
  });

  it("replace with nothing else to change is unchanged, without a warning", () => {
    const same = spec({ metadata: { site: { value: "north" }, operator: { value: "ana" } } });
    expect(diffRun(same, held, KEYS, REPLACE)).toMatchObject({ action: "unchanged", warnings: [] });
  });

  it("an unchanged value of a changed list goes back as Sift sent it", () => {
    const both = spec({ metadata: { site: { value: "north" }, operator: { value: "bo" } } });
    const change = update(diffRun(both, held, KEYS, REPLACE));
    expect(change.body.run.metadata![0]).toBe(held.metadata[0]);
  });
});

describe("a manifest naming a key no manifest can write", () => {
  const problems = (change: ReturnType<typeof diffRun>) =>
    change.action === "invalid" ? change.problems.map(formatProblem) : [];

  it("is a problem for a relation key, found by its type in the organization or on the run", () => {
    const named = spec({ metadata: { folder: { value: "projects" }, site: { value: "x" } } });
    const expected = [
      "runs.csv:2 metadata.folder is a relation key in Sift; relation values are not managed by manifests",
    ];
    expect(problems(diffRun(named, held, KEYS, MERGE))).toEqual(expected);
    expect(problems(diffRun(named, undefined, KEYS, MERGE))).toEqual(expected);
    // ListMetadataKeys did not list it (archived, say): the run's entry says what it is.
    expect(problems(diffRun(named, held, context({ site: STRING }), MERGE))).toEqual(expected);
  });

  it("is a problem for a key of a type this tool does not know, or an entry it cannot read", () => {
    const named = spec({ metadata: { due: { value: "2026-07-01" } } });
    expect(
      problems(diffRun(named, undefined, context({ due: "METADATA_KEY_TYPE_DATE" }), MERGE)),
    ).toEqual([
      "runs.csv:2 metadata.due is a key of type METADATA_KEY_TYPE_DATE in Sift, which this tool does not know; its values are not managed by manifests",
    ]);
    const odd = run({
      metadata: [{ key: { name: "due", type: STRING, unit: "day" }, stringValue: "x" }],
    });
    expect(problems(diffRun(named, odd, context({ due: STRING }), MERGE))).toEqual([
      "runs.csv:2 metadata.due holds a value in Sift that this tool cannot read (it has a field this tool does not know (key.unit)); such values are not managed by manifests",
    ]);
  });
});

describe("entries of any unknown shape", () => {
  it("are carried byte for byte in merge and replace, and the run then plans unchanged", () => {
    fc.assert(
      fc.property(
        unknownEntries("u", 4),
        fc.constantFrom(MERGE, REPLACE),
        fc.nat(3),
        (unknown, options, at) => {
          const metadata = [...unknown];
          metadata.splice(Math.min(at, metadata.length), 0, site("north"));
          const existing = run({ metadata: JSON.parse(JSON.stringify(metadata)) });
          const change = update(diffRun(wantSite, existing, context({ site: STRING }), options));
          const sent = change.body.run.metadata!.map((m) => JSON.stringify(m));
          for (const entry of unknown) expect(sent).toContain(JSON.stringify(entry));
          // In their place, around the changed value.
          const order = change.body.run.metadata!.map((m) => m.key.name);
          expect(order).toEqual(metadata.map((m) => m.key.name));
          const after = simulateApply(change, existing)!;
          expect(diffRun(wantSite, after, context({ site: STRING }), options).action).toBe(
            "unchanged",
          );
        },
      ),
    );
  });
});
