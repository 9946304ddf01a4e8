import { describeInvisibleChange } from "./invisible-change.js";
import type { Problem } from "../core/errors.js";
import { formatSource, type Source } from "../manifest/index.js";
import type { Change, FieldChange, Warning } from "../plan/change.js";
import { createPaint, type Paint } from "./ansi.js";
import type { PlanReport, TextSink } from "./plan-report.js";
import { formatProblemAt } from "./problem-text.js";
import { formatRefusalLine } from "./refusal-text.js";
import { escapeControl, showName, showValue } from "./safe-text.js";
import { formatPlanCounts, formatPlanLine } from "../plan/summary.js";

const INDENT = "    ";

/**
 * The terminal report: one block per create, update and invalid run, each field old → new,
 * then the counts. Unchanged runs are only counted (listed only when they carry a warning).
 * Every value from a manifest or the API is escaped: it cannot drive the terminal.
 *
 * @example
 * const report = createTableReport(process.stdout, { color: process.stdout.isTTY && !env.NO_COLOR });
 */
export function createTableReport(out: TextSink, options: { color: boolean }): PlanReport {
  const paint = createPaint(options.color);
  let listed = false;
  return {
    add(change) {
      const text = renderChange(change, paint);
      if (text === "") return;
      out.write(text);
      listed = true;
    },
    end(summary, failure, saved, refusals) {
      if (failure !== undefined) {
        // The reason is on stderr (`error: ...`, or `interrupted by Ctrl-C ...`); stdout says
        // the plan above is not all of it.
        const decided = summary.create + summary.update + summary.unchanged + summary.invalid;
        const how = failure.code === "INTERRUPTED" ? "interrupted" : "it failed";
        const text =
          decided === 0
            ? `No plan: ${how} before any run was planned.`
            : `Plan incomplete: ${how} after ${formatPlanCounts(summary)}.`;
        out.write(`${listed ? "\n" : ""}${paint("red", text)}\n`);
        return;
      }
      out.write(`${listed ? "\n" : ""}${paint("bold", formatPlanLine(summary))}\n`);
      for (const refusal of refusals ?? [])
        out.write(`${paint("red", formatRefusalLine(refusal))}\n`);
      if (saved !== undefined) {
        const path = escapeControl(saved.path);
        out.write(
          refusals?.length
            ? `Saved ${path}, digest ${saved.digest}, with its refusal: apply --plan refuses it too\n`
            : `Saved ${path}, digest ${saved.digest}; apply exactly this plan with: sift-run-sync apply --plan ${path} --expect-digest ${saved.digest}\n`,
        );
      }
    },
  };
}

/** The lines of one change, each ending in a newline; "" for an unchanged run without warnings. */
function renderChange(change: Change, paint: Paint): string {
  if (change.action === "archive") {
    // No manifest holds the run: its runId says which one it is.
    return (
      line(
        `${paint("red", "- archive")} ${showName(change.clientKey)} (${escapeControl(change.runId)})`,
      ) + line(`${INDENT}name: ${showValue(change.name) ?? paint("dim", "(none)")}`)
    );
  }
  const where = `${showName(change.spec.clientKey)} (${escapeControl(formatSource(change.spec.source))})`;
  switch (change.action) {
    case "create":
      return (
        line(`${paint("green", "+ create")} ${where} ${paint("dim", change.call)}`) +
        change.fields.map((f) => line(INDENT + renderCreated(f))).join("") +
        renderWarnings(change.warnings, paint)
      );
    case "update":
      return (
        line(`${paint("yellow", "~ update")} ${where}`) +
        change.fields.map((f) => line(INDENT + renderField(f, paint))).join("") +
        renderWarnings(change.warnings, paint)
      );
    case "adopt":
      return (
        line(
          `${paint("cyan", "~ adopt")} ${where} ${paint("dim", `run ${escapeControl(change.runId)}, found by ${escapeControl(change.by)}`)}`,
        ) +
        change.fields.map((f) => line(INDENT + renderField(f, paint))).join("") +
        renderWarnings(change.warnings, paint)
      );
    case "unarchive":
      return (
        line(`${paint("green", "+ unarchive")} ${where}`) +
        change.fields.map((f) => line(INDENT + renderField(f, paint))).join("") +
        renderWarnings(change.warnings, paint)
      );
    case "unchanged":
      if (change.warnings.length === 0) return "";
      return (
        line(`${paint("dim", "= unchanged")} ${where}`) + renderWarnings(change.warnings, paint)
      );
    case "skip":
      return (
        line(`${paint("dim", "- skip")} ${where}`) +
        line(INDENT + paint("dim", escapeControl(change.reason)))
      );
    case "invalid":
      return (
        line(`${paint("red", "✗")} ${where}`) +
        change.problems
          .map((p) => line(INDENT + paint("red", renderProblem(p, change.spec.source))))
          .join("")
      );
    default:
      return change satisfies never;
  }
}

/** `name: "Old" → "New"`, `metadata.site: "north" → (removed)`, `description: (none) → "x"`. */
function renderField(f: FieldChange, paint: Paint): string {
  const before = showValue(f.before) ?? paint("dim", "(none)");
  const after = showValue(f.after) ?? paint("dim", f.before === undefined ? "(none)" : "(removed)");
  const invisible = describeInvisibleChange(f.before, f.after);
  const note = invisible === undefined ? "" : ` ${paint("dim", `(${invisible})`)}`;
  return `${escapeControl(f.label)}: ${before} ${paint("dim", "→")} ${after}${note}`;
}

/** A new run's field shows its value only: `name: "Run A"`. */
function renderCreated(f: FieldChange): string {
  return `${escapeControl(f.label)}: ${showValue(f.after) ?? "(none)"}`;
}

function renderWarnings(warnings: Warning[], paint: Paint): string {
  return warnings
    .map((w) => line(INDENT + paint("yellow", `! ${escapeControl(w.message)}`)))
    .join("");
}

function renderProblem(p: Problem, source: Source): string {
  return escapeControl(formatProblemAt(p, source));
}

function line(text: string): string {
  return `${text}\n`;
}
