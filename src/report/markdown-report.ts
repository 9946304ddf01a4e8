import { describeInvisibleChange } from "./invisible-change.js";
import { formatSource } from "../manifest/index.js";
import type { Change, FieldChange } from "../plan/change.js";
import { markdownCode, markdownCodeCell, markdownText } from "./markdown-text.js";
import type { PlanReport, TextSink } from "./plan-report.js";
import type { PlanSummary } from "../plan/summary.js";
import { formatProblemAt } from "./problem-text.js";
import { renderRefusalSection } from "./refusal-text.js";
import { showValue } from "./safe-text.js";
import type { Failure } from "./failure.js";
import { formatPlanCounts, formatPlanLine, hasChanges } from "../plan/summary.js";

/**
 * How much Markdown the rows may take: a GitHub comment holds at most 65,536 characters, so a
 * large plan shows its first rows and says how many more there are.
 */
const MAX_MARKDOWN_CHARS = 60_000;

export interface MarkdownReportOptions {
  /** Heading text; default `sift-run-sync plan`. */
  title?: string;
  /** Budget for the table's rows (characters); later rows are counted, not shown. */
  maxChars?: number;
}

const HEADER = "| Action | Run | Source | Changes |\n| --- | --- | --- | --- |\n";

/**
 * The plan as GitHub-flavoured Markdown, for a pull request comment or a CI job summary:
 * a heading, a table of creates, updates and invalid runs (field old → new), then the counts.
 * A plan a guard refuses opens with why (renderRefusalSection).
 * Values from manifests are shown in code spans or escaped, so they cannot break the table.
 */
export function createMarkdownReport(
  out: TextSink,
  options: MarkdownReportOptions = {},
): PlanReport {
  const budget = options.maxChars ?? MAX_MARKDOWN_CHARS;
  let used = 0;
  let shown = 0;
  let omitted = 0;
  // NOTE: the rows wait for the end (within the budget: at most 60,000 characters), so that
  // a refusal, known only once every run is planned, can open the comment.
  const rows: string[] = [];
  out.write(`## ${markdownText(options.title ?? "sift-run-sync plan")}\n\n`);
  return {
    add(change) {
      const row = renderRow(change);
      if (row === undefined) return;
      if (omitted > 0 || used + row.length > budget) {
        omitted += 1;
        return;
      }
      rows.push(row);
      used += row.length;
      shown += 1;
    },
    end(summary, failure, saved, refusals) {
      if (refusals?.length && failure === undefined) out.write(renderRefusalSection(refusals));
      if (shown > 0) out.write(`${HEADER}${rows.join("")}\n`);
      if (failure !== undefined) return out.write(renderFailure(failure, summary, shown + omitted));
      if (omitted > 0) {
        out.write(
          `_${omitted} more ${omitted === 1 ? "run is" : "runs are"} not shown here; \`plan --format json\` lists every run._\n\n`,
        );
      }
      const line = formatPlanLine(summary);
      out.write(hasChanges(summary) || summary.invalid > 0 ? `**${line}**\n` : `${line}\n`);
      if (saved !== undefined) {
        const note = refusals?.length ? " (with its refusal: `apply --plan` refuses it too)" : "";
        out.write(`\nSaved plan ${markdownText(saved.path)}, digest \`${saved.digest}\`${note}\n`);
      }
    },
  };
}

/**
 * The error section of a plan that failed: why, the located problems, and what had been
 * decided before (the rows above are then only part of the plan).
 */
function renderFailure(failure: Failure, summary: PlanSummary, rows: number): string {
  const problems = (failure.problems ?? []).map((p) => `- ${markdownText(p)}\n`).join("");
  const unlisted = (failure.total ?? 0) - (failure.problems?.length ?? 0);
  const more = unlisted > 0 ? `- _… and ${unlisted} more_\n` : "";
  const decided = summary.create + summary.update + summary.unchanged + summary.invalid;
  const interrupted = failure.code === "INTERRUPTED";
  const before = interrupted ? "the interruption" : "the error";
  const partial =
    decided === 0
      ? "No run was planned.\n"
      : `Decided before ${before}${rows > 0 ? " (the rows above)" : ""}: ${formatPlanCounts(summary)}.\n`;
  const heading = interrupted ? "⏹️ The plan was interrupted" : "❌ The plan failed";
  return (
    `### ${heading}\n\n${markdownText(failure.message)}\n\n` +
    (problems === "" ? "" : `${problems}${more}\n`) +
    partial
  );
}

/** One table row; undefined for an unchanged run without warnings (counted, not listed). */
function renderRow(change: Change): string | undefined {
  if (change.action === "archive") {
    const notes = [
      `run ${markdownCode(change.runId)}`,
      `name: ${showCode(change.name) ?? "_(none)_"}`,
    ];
    return `| archive | ${markdownCodeCell(change.clientKey)} | _(no manifest)_ | ${notes.join("<br>")} |\n`;
  }
  const run = markdownCodeCell(change.spec.clientKey);
  const source = markdownCodeCell(formatSource(change.spec.source));
  let notes: string[];
  switch (change.action) {
    case "create":
      notes = [
        `via ${change.call}`,
        ...change.fields.map(renderCreated),
        ...change.warnings.map((w) => `⚠️ ${markdownText(w.message)}`),
      ];
      break;
    case "adopt":
      notes = [
        `adopts run ${markdownCode(change.runId)} (found by ${markdownText(change.by)})`,
        ...change.fields.map(renderField),
        ...change.warnings.map((w) => `⚠️ ${markdownText(w.message)}`),
      ];
      break;
    case "update":
    case "unarchive":
      notes = [
        ...change.fields.map(renderField),
        ...change.warnings.map((w) => `⚠️ ${markdownText(w.message)}`),
      ];
      break;
    case "unchanged":
      if (change.warnings.length === 0) return undefined;
      notes = change.warnings.map((w) => `⚠️ ${markdownText(w.message)}`);
      break;
    case "skip":
      notes = [markdownText(change.reason)];
      break;
    case "invalid":
      notes = change.problems.map(
        (p) => `❌ ${markdownText(formatProblemAt(p, change.spec.source))}`,
      );
      break;
    default:
      return change satisfies never;
  }
  return `| ${change.action} | ${run} | ${source} | ${notes.join("<br>")} |\n`;
}

/** `name: "Old" → "New"`, values as code; `*(removed)*`, `*(none)*` for an absent value. */
function renderField(f: FieldChange): string {
  const before = showCode(f.before) ?? "_(none)_";
  const after = showCode(f.after) ?? (f.before === undefined ? "_(none)_" : "_(removed)_");
  const invisible = describeInvisibleChange(f.before, f.after);
  return `${markdownText(f.label)}: ${before} → ${after}${invisible === undefined ? "" : ` _(${invisible})_`}`;
}

function renderCreated(f: FieldChange): string {
  return `${markdownText(f.label)}: ${showCode(f.after) ?? "_(none)_"}`;
}

function showCode(value: FieldChange["before"]): string | undefined {
  const shown = showValue(value);
  return shown === undefined ? undefined : markdownCode(shown);
}
