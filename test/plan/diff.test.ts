import { describe, expect, it } from "vitest";
import { diffRun } from "../../src/plan/diff.js";
import { context, MERGE, REPLACE, run, spec, ts } from "./builders.js";

const NUMBER = "METADATA_KEY_TYPE_NUMBER";
const STRING = "METADATA_KEY_TYPE_STRING";

describe("diffRun: create", () => {
  it("creates with CreateRun when the run has no assets", () => {
    const change = diffRun(spec({ name: "Run A", tags: ["x"] }), undefined, context(), MERGE);
    expect(change).toMatchObject({
      action: "create",
      call: "CreateRun",
      body: { name: "Run A", tags: ["x"], clientKey: "tv-001" },
      followUp: undefined,
    });
  });

  it("creates with CreateAdhocRun and resolved asset ids when the run has assets", () => {
    const s = spec({
      name: "Run A",
      assets: ["stand-a", "rig-7"],
      startTime: ts("2024-01-01T00:00:00Z"),
      stopTime: ts("2024-01-01T01:00:00Z"),
    });
    const change = diffRun(s, undefined, context(), MERGE);
    expect(change).toMatchObject({
      action: "create",
      call: "CreateAdhocRun",
      body: { assetIds: ["asset-a", "asset-7"], startTime: "2024-01-01T00:00:00Z" },
    });
  });

  it("follows a create with one UpdateRun for isPinned and isArchived", () => {
    const change = diffRun(
      spec({ name: "A", isPinned: true, isArchived: true }),
      undefined,
      context(),
      MERGE,
    );
    expect(change.action === "create" && change.followUp).toEqual({
      run: { isPinned: true, isArchived: true },
      updateMask: "isPinned,isArchived",
    });
  });

  it("refuses to create a run without a name", () => {
    const change = diffRun(spec({ tags: ["x"] }), undefined, context(), MERGE);
    expect(change.action).toBe("invalid");
    expect(change.action === "invalid" && change.problems[0]).toMatchObject({
      field: "name",
      line: 2,
    });
  });

  it("reports an unknown asset name as a located problem", () => {
    const s = spec({
      name: "A",
      assets: ["nope"],
      startTime: ts("2024-01-01T00:00:00Z"),
      stopTime: ts("2024-01-02T00:00:00Z"),
    });
    const change = diffRun(s, undefined, context(), MERGE);
    expect(change.action === "invalid" && change.problems).toEqual([
      {
        file: "runs.csv",
        line: 2,
        field: "assets",
        message: 'no asset named "nope" exists in Sift',
      },
    ]);
  });
});

describe("diffRun: update", () => {
  it("is unchanged when every managed field is equal", () => {
    const change = diffRun(
      spec({ name: "A" }),
      run({ name: "A", description: "other" }),
      context(),
      MERGE,
    );
    expect(change.action).toBe("unchanged");
  });

  it("masks exactly the fields that differ", () => {
    const change = diffRun(
      spec({ name: "B", description: "same", isPinned: true }),
      run({ name: "A", description: "same" }),
      context(),
      MERGE,
    );
    expect(change.action === "update" && change.body).toEqual({
      run: { runId: "run-1", name: "B", isPinned: true },
      updateMask: "name,isPinned",
    });
  });

  it("compares timestamps as instants to the nanosecond", () => {
    const s = spec({ startTime: ts("2024-01-01T02:00:00.000+02:00") });
    expect(
      diffRun(s, run({ startTime: ts("2024-01-01T00:00:00Z") }), context(), MERGE).action,
    ).toBe("unchanged");
    const later = spec({ startTime: ts("2024-01-01T00:00:00.000000001Z") });
    const change = diffRun(later, run({ startTime: ts("2024-01-01T00:00:00Z") }), context(), MERGE);
    expect(change.action === "update" && change.mask).toEqual(["startTime"]);
  });

  it("compares tags as sets and notices a removed tag", () => {
    const existing = run({ tags: ["b", "a", "c"] });
    expect(diffRun(spec({ tags: ["a", "b", "c"] }), existing, context(), MERGE).action).toBe(
      "unchanged",
    );
    const change = diffRun(spec({ tags: ["a", "b"] }), existing, context(), MERGE);
    expect(change.action === "update" && change.body.run.tags).toEqual(["a", "b"]);
  });

  it("compares metadata by type and value: 1 equals 1.0, '1' for a number key too", () => {
    const existing = run({ metadata: [{ key: { name: "alt", type: NUMBER }, numberValue: 1 }] });
    const keys = context({ alt: NUMBER });
    expect(diffRun(spec({ metadata: { alt: { value: 1.0 } } }), existing, keys, MERGE).action).toBe(
      "unchanged",
    );
    expect(diffRun(spec({ metadata: { alt: { value: "1" } } }), existing, keys, MERGE).action).toBe(
      "unchanged",
    );
  });

  it("merge keeps other keys and sends the whole list; replace drops unlisted keys", () => {
    const existing = run({
      metadata: [
        { key: { name: "alt", type: NUMBER }, numberValue: 1 },
        { key: { name: "site", type: STRING }, stringValue: "north" },
      ],
    });
    const keys = context({ alt: NUMBER, site: STRING });
    const s = spec({ metadata: { alt: { value: 2 } } });
    const merged = diffRun(s, existing, keys, MERGE);
    expect(merged.action === "update" && merged.body.run.metadata).toEqual([
      { key: { name: "alt", type: NUMBER }, numberValue: 2 },
      { key: { name: "site", type: STRING }, stringValue: "north" },
    ]);
    const replaced = diffRun(s, existing, keys, REPLACE);
    expect(replaced.action === "update" && replaced.body.run.metadata).toEqual([
      { key: { name: "alt", type: NUMBER }, numberValue: 2 },
    ]);
    expect(
      replaced.action === "update" && replaced.fields.map((f) => [f.label, f.before, f.after]),
    ).toEqual([
      ["metadata.alt", 1, 2],
      ["metadata.site", "north", undefined],
    ]);
  });

  it("coerces losslessly to the organization's key type and refuses the rest", () => {
    const keys = context({ code: STRING, alt: NUMBER });
    const created = diffRun(
      spec({ name: "A", metadata: { code: { value: 123 } } }),
      undefined,
      keys,
      MERGE,
    );
    expect(created.action === "create" && created.body.metadata).toEqual([
      { key: { name: "code", type: STRING }, stringValue: "123" },
    ]);
    const bad = diffRun(
      spec({ name: "A", metadata: { alt: { value: "abc" } } }),
      undefined,
      keys,
      MERGE,
    );
    expect(bad.action === "invalid" && bad.problems[0]?.message).toBe(
      '"abc" is not a number (expected a number such as 1200 or 0.5)',
    );
    const clash = diffRun(
      spec({ name: "A", metadata: { alt: { value: "x", type: "string" } } }),
      undefined,
      keys,
      MERGE,
    );
    expect(clash.action).toBe("invalid");
  });

  it("warns, and does not write, when assets differ", () => {
    const s = spec({
      assets: ["stand-a"],
      startTime: ts("2024-01-01T00:00:00Z"),
      stopTime: ts("2024-01-02T00:00:00Z"),
    });
    const existing = run({
      assetIds: ["asset-b"],
      startTime: ts("2024-01-01T00:00:00Z"),
      stopTime: ts("2024-01-02T00:00:00Z"),
    });
    const change = diffRun(s, existing, context(), MERGE);
    expect(change.action).toBe("unchanged");
    expect(change.action === "unchanged" && change.warnings.map((w) => w.code)).toEqual([
      "assets-differ",
    ]);
  });

  it("never compares nor writes ignored fields", () => {
    const change = diffRun(
      spec({ name: "B", startTime: ts("2030-01-01T00:00:00Z") }),
      run({ name: "A", startTime: ts("2024-01-01T00:00:00Z") }),
      context(),
      { metadata: "merge", ignore: new Set(["startTime"]) },
    );
    expect(change.action === "update" && change.mask).toEqual(["name"]);
  });

  it("never puts clientKey in a mask", () => {
    const change = diffRun(
      spec({ clientKey: "tv-001", name: "B" }),
      run({ clientKey: "tv-001", name: "A" }),
      context(),
      MERGE,
    );
    expect(change.action === "update" && change.mask).not.toContain("clientKey");
  });
});
