import { plural } from "../core/words.js";
import { createPaint, type Paint } from "../report/ansi.js";
import { escapeControl } from "../report/safe-text.js";
import {
  type CheckResult,
  type CheckStatus,
  type DoctorReport,
  SECTION_TITLES,
  summarize,
} from "./check.js";

/** `doctor`'s report on stdout: a table for people, JSON for machines. */

const MARKS: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗", skip: "-" };
const COLORS = { ok: "green", warn: "yellow", fail: "red", skip: "dim" } as const;
/** Width of the check titles' column. */
const TITLE_WIDTH = 24;

export function buildReport(
  target: string | undefined,
  checks: CheckResult[],
  interrupted = false,
): DoctorReport {
  const summary = summarize(checks);
  return {
    version: 1,
    target,
    checks,
    summary,
    blocked: summary.fail > 0 || interrupted,
    ...(interrupted && { interrupted: true }),
  };
}

export function renderJson(report: DoctorReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}

export function renderTable(report: DoctorReport, options: { color?: boolean } = {}): string {
  const paint = createPaint(options.color ?? false);
  const lines = [`sift-run-sync doctor: ${report.target ?? "(no API)"}`];
  let section: string | undefined;
  for (const check of report.checks) {
    if (check.section !== section) {
      section = check.section;
      lines.push("", paint("bold", SECTION_TITLES[check.section]));
    }
    lines.push(...renderCheck(check, paint));
  }
  lines.push("", renderVerdict(report, paint));
  return lines.join("\n") + "\n";
}

function renderCheck(check: CheckResult, paint: Paint): string[] {
  const mark = paint(COLORS[check.status], MARKS[check.status]);
  const title = check.title.padEnd(TITLE_WIDTH);
  // Found texts quote the API's messages and manifest values: no escape sequence gets through.
  const found = escapeControl(check.found).split("\n");
  const lines = [`  ${mark} ${title} ${found[0]}`];
  const indent = " ".repeat(TITLE_WIDTH + 5);
  for (const more of found.slice(1)) lines.push(indent + more);
  if (check.todo !== undefined && check.status !== "ok") {
    lines.push(indent + paint("dim", `→ ${escapeControl(check.todo)}`));
  }
  return lines;
}

function renderVerdict(report: DoctorReport, paint: Paint): string {
  const { ok, warn, fail, skip } = report.summary;
  const counts = [
    `${ok} ok`,
    plural(warn, "warning"),
    `${fail} blocking`,
    ...(skip > 0 ? [`${skip} not checked`] : []),
  ];
  if (report.interrupted) return paint("red", `Interrupted: ${counts.join(", ")} so far.`);
  if (fail > 0) return paint("red", `${counts.join(", ")}: fix the ✗ lines before a sync.`);
  return paint("green", `${counts.join(", ")}: nothing blocks a sync.`);
}
