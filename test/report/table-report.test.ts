import { describe, expect, it } from "vitest";
import type { Change } from "../../src/plan/change.js";
import { diffRun } from "../../src/plan/diff.js";
import { countChange, createPlanSummary } from "../../src/plan/summary.js";
import { createTableReport } from "../../src/report/table-report.js";
import { context, MERGE, run, spec } from "../plan/builders.js";
import { captureText, mixedPlan } from "./fixtures.js";

function renderTable(changes: Change[], color = false): string {
  const out = captureText();
  const report = createTableReport(out, { color });
  const summary = createPlanSummary();
  for (const change of changes) {
    report.add(change);
    countChange(summary, change);
  }
  report.end(summary);
  return out.text();
}

describe("table report", () => {
  it("lists creates, updates, warnings and invalid runs, then the counts", () => {
    expect(renderTable(mixedPlan())).toMatchInlineSnapshot(`
      "+ create tv-001 (runs.csv:2) CreateAdhocRun
          name: "Thermal vacuum 1"
          startTime: "2024-03-01T08:00:00Z"
          stopTime: "2024-03-01T09:30:00.500Z"
          assets: [stand-a]
          tags: [tvac]
          isPinned: true
          metadata.alt: 1200
      ~ update tv-002 (runs.csv:3)
          name: "Old" → "New"
          tags: [a, b] → [a, c]
          metadata.alt: 1200 → 1300
          metadata.site: "north" → (removed)
          ! assets differ (Sift has stand-a, the manifest stand-b); assets cannot be updated, left as they are
      = unchanged tv-004 (runs.yaml:12)
          ! assets differ (Sift has stand-a, the manifest rig-7); assets cannot be updated, left as they are
      ✗ tv-009 (runs.csv:10)
          assets: no asset named "nope" exists in Sift

      Plan: 1 to create, 1 to update, 2 unchanged, 2 warnings, 1 invalid.
      "
    `);
  });

  it("says so when nothing changes", () => {
    const same = diffRun(spec({ name: "A" }), run({ name: "A" }), context(), MERGE);
    expect(renderTable([same])).toMatchInlineSnapshot(`
      "No changes. Sift matches the manifests.
      "
    `);
  });

  it("shows control characters and ANSI escapes from manifests as visible escapes", () => {
    const hostile = diffRun(
      spec({
        clientKey: "k\u001b[2J",
        name: "evil\u001b[31mred\r\nline2\u0007",
        description: "bidi \u202e reversed",
        metadata: { "x\u001b]0;title\u0007": { value: "v" } },
        source: { file: "a\nb.csv", line: 2 },
      }),
      run({ name: "ok" }),
      context(),
      MERGE,
    );
    const text = renderTable([hostile]);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(text).toContain('name: "ok" → "evil\\u001b[31mred\\r\\nline2\\u0007"');
    expect(text).toContain('description: "" → "bidi \\u202e reversed"');
    expect(text).toContain('~ update "k\\u001b[2J" (a\\nb.csv:2)');
  });

  it("colours action marks only when asked", () => {
    const plain = renderTable(mixedPlan(), false);
    const coloured = renderTable(mixedPlan(), true);
    expect(plain).not.toContain("\u001b[");
    expect(coloured).toContain("\u001b[32m+ create\u001b[39m");
    expect(coloured).toContain("\u001b[33m~ update\u001b[39m");
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(plain);
  });
});
