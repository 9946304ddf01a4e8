import { describe, expect, it } from "vitest";
import { diffRun } from "../../src/plan/diff.js";
import { context, MERGE, run, spec } from "./builders.js";

const CREATE_ONLY = { ...MERGE, mode: "create-only" as const };
const UPDATE_ONLY = { ...MERGE, mode: "update-only" as const };

describe("diffRun with --mode", () => {
  it("create-only: a differing run is unchanged, with a note; a missing one is created", () => {
    const change = diffRun(
      spec({ name: "New", isPinned: true }),
      run({ name: "Old" }),
      context(),
      CREATE_ONLY,
    );
    expect(change).toMatchObject({
      action: "unchanged",
      runId: "run-1",
      warnings: [
        {
          code: "not-updated",
          message:
            "differs from Sift (name, isPinned); --mode create-only leaves existing runs as they are",
        },
      ],
    });
    expect(diffRun(spec({ name: "New" }), undefined, context(), CREATE_ONLY).action).toBe("create");
    expect(
      diffRun(spec({ name: "Old" }), run({ name: "Old" }), context(), CREATE_ONLY),
    ).toMatchObject({
      action: "unchanged",
      warnings: [],
    });
  });

  it("update-only: a missing run is skipped (even one without a name), an existing one updated", () => {
    expect(diffRun(spec({}), undefined, context(), UPDATE_ONLY)).toEqual({
      action: "skip",
      spec: spec({}),
      code: "no-run-to-update",
      reason: "no run has this clientKey, and --mode update-only never creates one",
    });
    expect(
      diffRun(spec({ name: "New" }), run({ name: "Old" }), context(), UPDATE_ONLY).action,
    ).toBe("update");
  });

  it("a row with problems is invalid in every mode", () => {
    const bad = spec({ name: "x", assets: ["no-such-asset"] });
    for (const options of [MERGE, CREATE_ONLY, UPDATE_ONLY]) {
      expect(diffRun(bad, undefined, context(), options).action).toBe("invalid");
    }
  });
});
