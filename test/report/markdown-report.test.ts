import { describe, expect, it } from "vitest";
import type { Change } from "../../src/plan/change.js";
import { diffRun } from "../../src/plan/diff.js";
import { createMarkdownReport } from "../../src/report/markdown-report.js";
import { markdownCode, markdownText } from "../../src/report/markdown-text.js";
import { context, MERGE, run, spec } from "../plan/builders.js";
import { captureText, mixedPlan } from "./fixtures.js";
import { feed } from "./helpers.js";

function renderMarkdown(changes: Change[], maxChars?: number): string {
  const out = captureText();
  feed(createMarkdownReport(out, maxChars === undefined ? {} : { maxChars }), changes);
  return out.text();
}

/** The cells of a GFM table row, split on unescaped pipes (as GitHub does). */
function cellsOf(row: string): string[] {
  return row
    .trim()
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe("markdown report", () => {
  it("renders a heading, a table of changes and the counts", () => {
    expect(renderMarkdown(mixedPlan())).toMatchInlineSnapshot(`
      "## sift-run-sync plan

      | Action | Run | Source | Changes |
      | --- | --- | --- | --- |
      | create | <code>tv-001</code> | <code>runs.csv:2</code> | via CreateAdhocRun<br>name: <code>"Thermal vacuum 1"</code><br>startTime: <code>"2024-03-01T08:00:00Z"</code><br>stopTime: <code>"2024-03-01T09:30:00.500Z"</code><br>assets: <code>\\[stand-a\\]</code><br>tags: <code>\\[tvac\\]</code><br>isPinned: <code>true</code><br>metadata.alt: <code>1200</code> |
      | update | <code>tv-002</code> | <code>runs.csv:3</code> | name: <code>"Old"</code> → <code>"New"</code><br>tags: <code>\\[a, b\\]</code> → <code>\\[a, c\\]</code><br>metadata.alt: <code>1200</code> → <code>1300</code><br>metadata.site: <code>"north"</code> → _(removed)_<br>⚠️ assets differ (Sift has stand-a, the manifest stand-b); assets cannot be updated, left as they are |
      | unchanged | <code>tv-004</code> | <code>runs.yaml:12</code> | ⚠️ assets differ (Sift has stand-a, the manifest rig-7); assets cannot be updated, left as they are |
      | invalid | <code>tv-009</code> | <code>runs.csv:10</code> | ❌ assets: no asset named "nope" exists in Sift |

      **Plan: 1 to create, 1 to update, 2 unchanged, 2 warnings, 1 invalid.**
      "
    `);
  });

  it("says so when nothing changes, without a table", () => {
    const same = diffRun(spec({ name: "A" }), run({ name: "A" }), context(), MERGE);
    expect(renderMarkdown([same])).toMatchInlineSnapshot(`
      "## sift-run-sync plan

      No changes. Sift matches the manifests.
      "
    `);
  });

  it("keeps hostile manifest values inside their cell, inert", () => {
    const hostile = diffRun(
      spec({
        clientKey: "=cmd()|x",
        name: "a|b `tick`\n<script>alert(1)</script> *bold* _it_ [link](http://x) @org/team",
        description: '=HYPERLINK("http://evil")',
        tags: ["t|1", "`t2`"],
        metadata: { "k|<b>": { value: "v" } },
        source: { file: "-evil.csv", line: 2 },
      }),
      run({ name: "old" }),
      context(),
      MERGE,
    );
    const text = renderMarkdown([hostile]);
    const rows = text.split("\n").filter((l) => l.startsWith("| update"));
    expect(rows).toHaveLength(1);
    const cells = cellsOf(rows[0]!);
    expect(cells).toHaveLength(4);
    expect(cells[1]).toBe("<code>'=cmd()\\|x</code>");
    expect(cells[2]).toBe("<code>'-evil.csv:2</code>");
    // Not one `<` but the report's own tags; no raw backtick, star or underscore of a value.
    expect(text.replace(/<\/?code>|<br>/g, "")).not.toContain("<");
    expect(rows[0]).not.toMatch(/(?<!\\)[`*[]/);
    expect(cells[3]).toContain(
      'name: <code>"old"</code> → <code>"a\\|b \\`tick\\`\\\\n&lt;script&gt;alert(1)&lt;/script&gt; \\*bold\\* \\_it\\_ \\[link\\](http://x) @org/team"</code>',
    );
    expect(cells[3]).toContain('metadata.k\\|&lt;b&gt;: _(none)_ → <code>"v"</code>');
  });

  it("escapes prose (warnings, problems) character by character", () => {
    expect(markdownText("a|b *c* _d_ [e] `f` <g> & #h ~i\\ @j\nk")).toBe(
      "a\\|b \\*c\\* \\_d\\_ \\[e\\] \\`f\\` &lt;g&gt; &amp; \\#h \\~i\\\\ @\u2060j\\\\nk",
    );
    expect(markdownCode("=x\u001b[2J")).toBe("<code>=x\\\\u001b\\[2J</code>");
  });

  it("stops listing rows past its size budget and says how many it left out", () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      diffRun(spec({ clientKey: `k-${i}`, name: "x".repeat(50) }), undefined, context(), MERGE),
    );
    const text = renderMarkdown(many, 1000);
    const rows = text.split("\n").filter((l) => l.startsWith("| create"));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(50);
    expect(text).toContain(`_${50 - rows.length} more runs are not shown here;`);
    expect(text).toContain("**Plan: 50 to create, 0 to update, 0 unchanged, 0 warnings.**");
  });
});
