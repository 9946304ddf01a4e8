import { formatCount, plural } from "../core/words.js";
import { createPaint } from "./ansi.js";
import type { Refusal } from "../core/errors.js";
import type { Failure } from "./failure.js";
import { formatRefusalLine } from "./refusal-text.js";
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
  /**
   * Stopped while the manifests were read: nothing was written; the runs read are counted as
   * skipped, and this says what was not read (see UnreadManifests in plan/rows-read.ts).
   */
  unread?: Unread;
  /**
   * Quit (a second signal, or the stop's deadline of src/cli/interrupt.ts) before every row was
   * listed: how many rows, counted as skipped, are not in the results or the report.
   */
  unlisted?: number;
  /** Why the apply stopped before the end (the counts cover what was done). */
  error?: Failure;
  /** The guards that refused the plan (exit 3): nothing was written. */
  refusals?: readonly Refusal[];
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
    `${formatCount(summary.created)} created`,
    `${formatCount(summary.updated)} updated`,
    ...(summary.adopted ? [`${formatCount(summary.adopted)} adopted`] : []),
    ...(summary.archived ? [`${formatCount(summary.archived)} archived`] : []),
    ...(summary.unarchived ? [`${formatCount(summary.unarchived)} unarchived`] : []),
    `${formatCount(summary.unchanged)} unchanged`,
    `${formatCount(summary.failed)} failed`,
    `${formatCount(summary.skipped)} skipped`,
  ].join(", ");
  const traffic = [
    summary.requests === undefined ? undefined : plural(summary.requests, "request"),
    summary.retries === undefined ? undefined : plural(summary.retries, "retry", "retries"),
  ].filter((part) => part !== undefined);
  const extra = traffic.length > 0 ? ` (${traffic.join(", ")})` : "";
  const { lead, why } = outcomeOf(summary);
  const file = summary.planFile;
  const plan = file ? `\nPlan ${escapeControl(file.path)}, digest ${file.digest}.` : "";
  return `${lead}: ${counts} in ${formatDuration(summary.elapsedMs)}${extra}.${why}${plan}`;
}

/**
 * How the summary opens and what it adds after the counts: `Applied`; `Interrupted after`;
 * `Stopped` and why; `Nothing applied` (or `Failed after`, once something was written) and the
 * error, or each guard's refusal on its own line.
 */
function outcomeOf(summary: ApplySummary): { lead: string; why: string } {
  if (summary.interrupted) {
    const unread = summary.unread ? ` ${formatUnread(summary.unread)}.` : "";
    const unlisted = summary.unlisted ? ` ${formatUnlisted(summary.unlisted)}.` : "";
    return { lead: "Interrupted after", why: `${unread}${unlisted}` };
  }
  const refusals = summary.refusals ?? [];
  if (summary.error === undefined && refusals.length === 0) {
    if (summary.stopped === undefined) return { lead: "Applied", why: "" };
    return { lead: "Stopped", why: ` ${capitalise(summary.stopped)}.` };
  }
  const written =
    summary.created +
    summary.updated +
    (summary.adopted ?? 0) +
    (summary.archived ?? 0) +
    (summary.unarchived ?? 0);
  const lead = written === 0 ? "Nothing applied" : "Failed after";
  if (refusals.length > 0)
    return { lead, why: refusals.map((r) => `\n${formatRefusalLine(r)}`).join("") };
  // NOTE: not capitalised: the message may start with a file's name.
  return { lead, why: ` ${escapeControl(summary.error!.message)}.` };
}

/** What a stopped reading of the manifests did not read: the file it stopped in, those after. */
interface Unread {
  files: readonly { path: string; afterLine?: number }[];
  /** Invalid rows read, counted as skipped but not listed (too many to keep). */
  unnamed?: number;
  /** `plan`: the saved plan of `apply --plan` was read, not manifests. */
  of?: "plan";
}

/** Files an unread sentence names; the others are counted. */
const MAX_NAMED_FILES = 3;

/**
 * `Stopped while reading the manifests, before any request: nothing was written, and the runs
 * read are counted as skipped; not read: runs.csv after line 1,234 and b.csv; run the same
 * command again`
 */
function formatUnread(unread: Unread): string {
  const places = unread.files.map((f) =>
    f.afterLine === undefined
      ? escapeControl(f.path)
      : `${escapeControl(f.path)} after line ${formatCount(f.afterLine)}`,
  );
  const more = places.length - MAX_NAMED_FILES;
  const named =
    more > 0 ? [...places.slice(0, MAX_NAMED_FILES), plural(more, "more file")] : places;
  const last = named.pop();
  const list = named.length > 0 ? `${named.join(", ")} and ${last}` : (last ?? "nothing");
  const unnamed = unread.unnamed
    ? ` (${plural(unread.unnamed, "invalid run")} among them not listed)`
    : "";
  const what = unread.of === "plan" ? "the saved plan" : "the manifests";
  return `Stopped while reading ${what}, before any request: nothing was written, and the runs read are counted as skipped${unnamed}; not read: ${list}; run the same command again`;
}

/** `12,000 runs (counted as skipped) are not listed in the results: ...` */
function formatUnlisted(unlisted: number): string {
  return `${plural(unlisted, "run")} (counted as skipped) are not listed in the results: the command quit (a second signal, or the stop's deadline) before they were; nothing more was written; run the same command again`;
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
    ...(summary.unread && { unread: { message: formatUnread(summary.unread), ...summary.unread } }),
    ...(summary.unlisted && {
      unlisted: { count: summary.unlisted, message: formatUnlisted(summary.unlisted) },
    }),
    ...(summary.error !== undefined && { error: summary.error }),
    ...(summary.refusals?.length && { refused: summary.refusals[0], refusals: summary.refusals }),
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
