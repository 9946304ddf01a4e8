import { createPaint } from "./ansi.js";
import type { Failure } from "./failure.js";
import type { ResultRow } from "./results-file.js";
import { escapeControl, showName } from "./safe-text.js";

/** What an apply did, counted per manifest run. */
export interface ApplySummary {
  created: number;
  updated: number;
  adopted?: number;
  archived?: number;
  unarchived?: number;
  unchanged: number;
  failed: number;
  skipped: number;
  elapsedMs: number;
  /** HTTP requests sent, retries included. */
  requests?: number;
  retries?: number;
  /** Stopped early (Ctrl-C): the runs not reached are counted as skipped. */
  interrupted?: boolean;
  /** Why the apply stopped before the end (the counts cover what was done). */
  error?: Failure;
  /** Why the apply stopped before reaching every run (`the API stopped answering`), if it did. */
  stopped?: string;
  /** `apply --plan`: the file applied and its digest. */
  planFile?: { path: string; digest: string };
}

/**
 * `Applied: 3 created, 2 updated, 10 unchanged, 0 failed, 0 skipped in 1.4 s.`
 * (`Interrupted after: ...` after Ctrl-C, `Stopped: ... The API stopped answering; ...` when
 * something else stopped it early; `(120 requests, 3 retries)` when counted.)
 */
export function formatApplySummary(summary: ApplySummary): string {
  const counts = [
    `${summary.created} created`,
    `${summary.updated} updated`,
    ...(summary.adopted ? [`${summary.adopted} adopted`] : []),
    ...(summary.archived ? [`${summary.archived} archived`] : []),
    ...(summary.unarchived ? [`${summary.unarchived} unarchived`] : []),
    `${summary.unchanged} unchanged`,
    `${summary.failed} failed`,
    `${summary.skipped} skipped`,
  ].join(", ");
  const traffic = [
    summary.requests === undefined ? undefined : plural(summary.requests, "request"),
    summary.retries === undefined ? undefined : plural(summary.retries, "retry", "retries"),
  ].filter((part) => part !== undefined);
  const extra = traffic.length > 0 ? ` (${traffic.join(", ")})` : "";
  const lead = summary.interrupted ? "Interrupted after" : summary.stopped ? "Stopped" : "Applied";
  const why = summary.stopped && !summary.interrupted ? ` ${capitalise(summary.stopped)}.` : "";
  const file = summary.planFile;
  const plan = file ? `\nPlan ${escapeControl(file.path)}, digest ${file.digest}.` : "";
  return `${lead}: ${counts} in ${formatDuration(summary.elapsedMs)}${extra}.${why}${plan}`;
}

/** The summary for `--format json`: one JSON object. */
export function formatApplySummaryJson(summary: ApplySummary): string {
  return JSON.stringify({
    created: summary.created,
    updated: summary.updated,
    adopted: summary.adopted ?? 0,
    archived: summary.archived ?? 0,
    unarchived: summary.unarchived ?? 0,
    unchanged: summary.unchanged,
    failed: summary.failed,
    skipped: summary.skipped,
    elapsedMs: Math.round(summary.elapsedMs),
    ...(summary.requests !== undefined && { requests: summary.requests }),
    ...(summary.retries !== undefined && { retries: summary.retries }),
    interrupted: summary.interrupted ?? false,
    ...(summary.error !== undefined && { error: summary.error }),
    ...(summary.stopped !== undefined && { stopped: summary.stopped }),
    ...(summary.planFile !== undefined && { planFile: summary.planFile }),
  });
}

/** `1.4 s`, `2 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const min = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  if (h > 0) return `${h} h ${String(min).padStart(2, "0")} min`;
  return `${min} min ${String(s).padStart(2, "0")} s`;
}

/**
 * A run that failed or was skipped, for stderr:
 * `✗ tv-009 (runs.csv:10) update: [PATCH /api/v2/runs] 400: ...` (`- ... skipped: ...` for a skip).
 */
export function formatRowOutcome(row: ResultRow, options: { color: boolean }): string {
  const paint = createPaint(options.color);
  const mark = row.status === "failed" ? paint("red", "✗") : paint("yellow", "-");
  const what = row.status === "skipped" ? `${row.action} skipped` : row.action;
  const reason = row.error === undefined ? "" : `: ${escapeControl(row.error)}`;
  return `${mark} ${showName(row.clientKey)} (${escapeControl(row.source)}) ${what}${reason}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
