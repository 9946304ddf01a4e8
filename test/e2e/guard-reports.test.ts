import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
import { BIN } from "../output/support.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * Issue 20, item 5: a guard's refusal (exit 3) is in every report of plan and apply — a line
 * of the table, a section opening the Markdown, `refused` in JSON — and in the saved plan,
 * which apply --plan then refuses too. Every manifest run is still in the results.
 */
const emulator = useEmulator();

function runs(prefix: string, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => `${prefix}-${i + 1},Run ${i + 1}`);
  return `clientKey,name\n${rows.join("\n")}\n`;
}

const REFUSAL = {
  guard: "max-changes",
  limit: 1,
  given: "1",
  would: 3,
  message: "--max-changes 1: the plan would change 3 runs (3 creates, 0 updates), more than 1",
  override: "--max-changes 3",
};

describe("a guard's refusal in the reports", () => {
  it("plan: a line of the table, the Markdown's first section, `refused` in JSON; exit 3", async () => {
    const dir = manifestDir({ "runs.csv": runs("gr", 3) });
    const table = await runCli(emulator(), ["plan", dir, "--max-changes", "1"]);
    expect(table.code).toBe(3);
    expect(table.stdout.trimEnd().split("\n").slice(-2)).toEqual([
      "Plan: 3 to create, 0 to update, 0 unchanged, 0 warnings.",
      "Refused (exit 3): --max-changes 1: the plan would change 3 runs (3 creates, 0 updates), more than 1; apply writes nothing. Once the plan is checked, --max-changes 3 lets it through.",
    ]);

    const markdown = await runCli(emulator(), [
      ...["plan", dir, "--max-changes", "1", "--format", "markdown"],
    ]);
    expect(markdown.code).toBe(3);
    // Right under the heading, before the table: what a PR comment shows first.
    expect(markdown.stdout).toMatch(
      /^## sift-run-sync plan\n\n### ⛔ Refused by <code>--max-changes 1<\/code>\n\nApply would write nothing \(exit 3\):\n\n- --max-changes 1: the plan would change 3 runs \(3 creates, 0 updates\), more than 1\. Once the changes below are checked, <code>--max-changes 3<\/code> lets them through\.\n\n\| Action \|/,
    );
    const html = new MarkdownIt().render(markdown.stdout);
    expect(html).toMatch(/<h3>⛔ Refused by .*--max-changes 1.*<\/h3>/);
    expect(html).toContain("<td>create</td>");

    const json = await runCli(emulator(), [
      ...["plan", dir, "--max-changes", "1", "--format", "json"],
    ]);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout);
    expect(doc.refused).toEqual(REFUSAL);
    expect(doc.refusals).toEqual([REFUSAL]);
    expect(doc.summary.create).toBe(3);
    expect(json.stderr).toContain(
      "error: --max-changes 1: the plan would change 3 runs (3 creates, 0 updates), more than 1; apply would refuse this plan",
    );
    // Within the limit: no member at all.
    const allowed = JSON.parse(
      (await runCli(emulator(), ["plan", dir, "--max-changes", "3", "--format", "json"])).stdout,
    );
    expect(allowed.refused).toBeUndefined();
    expect(allowed.refusals).toBeUndefined();
  });

  it("every guard that refuses is listed, in the order apply checks them; `refused` is the first", async () => {
    emulator().load({
      metadataKeys: { source: "string" },
      runs: Array.from({ length: 10 }, (_, i) => ({
        runId: uuidFor(`id-gm-${i + 1}`),
        clientKey: `gm-${i + 1}`,
        name: `Run ${i + 1}`,
        metadata: { source: "gm" },
      })),
    });
    // 8 of the 10 in-scope runs, renamed: 8 updates and 2 archives.
    const rows = Array.from({ length: 8 }, (_, i) => `gm-${i + 1},Renamed ${i + 1}`);
    const dir = manifestDir({ "runs.csv": `clientKey,name\n${rows.join("\n")}\n` });
    const args = [
      ...[dir, "--archive-missing", "--scope", `metadata["source"] == 'gm'`],
      ...["--max-changes", "50%"],
    ];
    const before = emulator().stats().writes;
    const plan = await runCli(emulator(), ["plan", ...args, "--format", "json"]);
    expect(plan.code).toBe(3);
    const doc = JSON.parse(plan.stdout);
    expect(doc.refusals.map((r: { guard: string }) => r.guard)).toEqual([
      "max-archive",
      "max-changes",
    ]);
    expect(doc.refused).toEqual({
      guard: "max-archive",
      limit: 1,
      given: "10%",
      would: 2,
      message: "--max-archive 10%: this plan would archive 2 of the 10 in-scope runs (20%)",
      override: "--max-archive 2",
    });
    expect(doc.refusals[1]).toMatchObject({ limit: 4, given: "50%", would: 10 });

    const apply = await runCli(emulator(), ["apply", ...args, "--format", "json"]);
    expect(apply.code).toBe(3);
    expect(JSON.parse(apply.stdout).refusals).toEqual(doc.refusals);
    // Both on stderr: one run says all there is to check.
    expect(apply.stderr).toContain(
      "error: --max-archive 10%: this plan would archive 2 of the 10 in-scope runs (20%); nothing was written (check the manifests and --scope, or raise --max-archive)\n",
    );
    expect(apply.stderr).toContain(
      "error: --max-changes 50%: the plan would change 10 runs (0 creates, 8 updates, 2 archives), more than 4 (50% of 8 runs); nothing was written\n",
    );
    expect(emulator().stats().writes).toBe(before);

    const markdown = await runCli(emulator(), ["plan", ...args, "--format", "markdown"]);
    expect(markdown.stdout).toContain(
      "### ⛔ Refused by <code>--max-archive 10%</code> and <code>--max-changes 50%</code>",
    );
  });

  it("apply: the summary says why in every format, and the results list every run as skipped", async () => {
    const dir = manifestDir({ "runs.csv": runs("ga", 3) });
    const before = emulator().stats().writes;
    const results = join(dir, "results.csv");
    const table = await runCli(emulator(), [
      ...["apply", dir, "--max-changes", "1", "--results", results],
    ]);
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(
      /^Nothing applied: 0 created, 0 updated, 0 unchanged, 0 failed, 3 skipped in \d+\.\d s\.\nRefused \(exit 3\): --max-changes 1: the plan would change 3 runs \(3 creates, 0 updates\), more than 1; apply writes nothing\. Once the plan is checked, --max-changes 3 lets it through\.\n$/,
    );
    const rows = parse(readFileSync(results, "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows.map((r) => [r.clientKey, r.action, r.status, r.error, r.source])).toEqual(
      [1, 2, 3].map((n) => [
        `ga-${n}`,
        "unplanned",
        "skipped",
        "not applied: --max-changes 1 refused the plan; nothing was written",
        join(dir, `runs.csv:${n + 1}`),
      ]),
    );
    const json = await runCli(emulator(), ["apply", dir, "--max-changes", "1", "--format", "json"]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      created: 0,
      skipped: 3,
      error: { code: "GUARD" },
      refused: REFUSAL,
    });
    expect(emulator().stats().writes).toBe(before);
  });

  it("the saved plan records the refusal, and apply --plan refuses it (exit 3, nothing written)", async () => {
    const dir = manifestDir({ "runs.csv": runs("gp", 3) });
    const out = join(dir, "plan.json");
    const plan = await runCli(emulator(), [
      ...["plan", dir, "--max-changes", "1", "--out", out, "--format", "markdown"],
    ]);
    expect(plan.code).toBe(3);
    const digest = /sha256:[0-9a-f]{64}/.exec(plan.stdout)![0];
    expect(plan.stdout).toContain("(with its refusal: `apply --plan` refuses it too)");
    const saved = readFileSync(out, "utf8");
    const last = saved.trimEnd().split("\n").at(-1)!;
    expect(last.startsWith('],"summary":')).toBe(true);
    expect(JSON.parse(saved)).toMatchObject({ refused: REFUSAL, refusals: [REFUSAL] });

    const before = emulator().stats().writes;
    const results = join(dir, "results.jsonl");
    const apply = await runCli(emulator(), [
      ...["apply", "--plan", out, "--expect-digest", digest, "--results", results],
    ]);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain(
      `error: ${out} was refused when it was planned: --max-changes 1: the plan would change 3 runs (3 creates, 0 updates), more than 1; nothing was written (plan again, with --max-changes 3 once the plan is checked, to apply it)`,
    );
    expect(apply.stdout).toMatch(/^Nothing applied: .*3 skipped.*\nRefused \(exit 3\)/);
    const lines = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.clientKey, l.action, l.status])).toEqual([
      ["gp-1", "create", "skipped"],
      ["gp-2", "create", "skipped"],
      ["gp-3", "create", "skipped"],
    ]);
    expect(emulator().stats().writes).toBe(before);

    // The refusal is part of what the digest covers: taking it out makes another plan.
    const { refused: _, refusals: __, ...stripped } = JSON.parse(saved);
    const edited = join(dir, "edited.json");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(edited, JSON.stringify(stripped));
    const tampered = await runCli(emulator(), [
      ...["apply", "--plan", edited, "--expect-digest", digest],
    ]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/not the plan that was reviewed; nothing was written/);
    expect(emulator().stats().writes).toBe(before);
  });

  it("through a pipe, as a CI step runs it: the Markdown opens with the refusal, exit 3", async () => {
    const dir = manifestDir({ "runs.csv": runs("gs", 3) });
    const child = await promisify(execFile)(
      process.execPath,
      [BIN, "plan", dir, "--max-changes", "1", "--format", "markdown"],
      { env: { ...process.env, SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" } },
    ).then(
      () => ({ code: 0, stdout: "", stderr: "" }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(child.code).toBe(3);
    expect(child.stdout.split("\n").slice(0, 3)).toEqual([
      "## sift-run-sync plan",
      "",
      "### ⛔ Refused by <code>--max-changes 1</code>",
    ]);
    expect(child.stderr).toContain("apply would refuse this plan");
  });
});
