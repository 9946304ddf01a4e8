import { describe, expect, it } from "vitest";
import type { Change } from "../../src/plan/change.js";
import { diffRun } from "../../src/plan/diff.js";
import { describeInvisibleChange } from "../../src/report/invisible-change.js";
import { createMarkdownReport } from "../../src/report/markdown-report.js";
import { countChange, createPlanSummary } from "../../src/plan/summary.js";
import { createTableReport } from "../../src/report/table-report.js";
import { context, MERGE, run, spec } from "../plan/builders.js";
import { captureText } from "./fixtures.js";

/** A reviewer must not be shown `"Zoë" → "Zoë"` without being told what differs. */

const NFC = "Zo\u00eb";
const NFD = "Zoe\u0308";

function render(format: "table" | "markdown", changes: Change[]) {
  const sink = captureText();
  const report =
    format === "table" ? createTableReport(sink, { color: false }) : createMarkdownReport(sink, {});
  const summary = createPlanSummary();
  for (const change of changes) {
    countChange(summary, change);
    report.add(change);
  }
  report.end(summary);
  return sink.text();
}

describe("invisible changes", () => {
  it("names NFC/NFD-only and whitespace-only differences, and nothing else", () => {
    expect(describeInvisibleChange(NFD, NFC)).toBe("only Unicode normalization (NFC/NFD) differs");
    expect(describeInvisibleChange("a  b", "a b")).toBe("only whitespace differs");
    expect(describeInvisibleChange(`${NFD} `, NFC)).toBe(
      "only whitespace and Unicode normalization differ",
    );
    expect(describeInvisibleChange(["a\u00a0b"], ["a b"])).toBe("only whitespace differs");
    expect(describeInvisibleChange("Zoe", "Zoë")).toBeUndefined();
    expect(describeInvisibleChange(1, 2)).toBeUndefined();
    expect(describeInvisibleChange(NFC, NFC)).toBeUndefined();
  });

  it("are marked in the table and the Markdown report", () => {
    const change = diffRun(
      spec({ name: NFC, description: "two  spaces" }),
      run({ name: NFD, description: "two spaces" }),
      context(),
      { ...MERGE, unicode: "keep" }, // nfc (the default) finds the names equal
    );
    expect(change.action).toBe("update");
    const table = render("table", [change]);
    expect(table).toContain("(only Unicode normalization (NFC/NFD) differs)");
    expect(table).toContain("(only whitespace differs)");
    const markdown = render("markdown", [change]);
    expect(markdown).toContain("_(only Unicode normalization (NFC/NFD) differs)_");
    expect(markdown).toContain("_(only whitespace differs)_");
  });
});
