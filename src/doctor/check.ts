/**
 * What `doctor` finds, as data: each check ends in one result, the report renders them and the
 * exit code derives from them. A check never throws for what it finds (a 403, a refused
 * filter, an expired certificate): that is its result.
 */

/**
 * - `ok` (✓): works as this tool expects (informational findings are ok too);
 * - `warn` (!): works, with a caveat worth knowing before a night of writes;
 * - `fail` (✗): blocks a sync;
 * - `skip` (-): not checked (an earlier check failed, or a flag is needed).
 */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export type Section = "connection" | "key" | "api" | "manifests" | "estimate" | "write-probe";

/** How many examples a line of a check names. */
export const MAX_NAMED = 5;

export const SECTION_TITLES: Record<Section, string> = {
  connection: "Connection",
  key: "The key's reach",
  api: "The API as this tool models it",
  manifests: "The manifests against the organization",
  estimate: "Estimate",
  "write-probe": "Write probe",
};

export interface CheckResult {
  section: Section;
  /** Stable id for machines: `connection.tls`, `api.validate-filter`. */
  id: string;
  /** Short label: `TLS`, `runs:validateFilter`. */
  title: string;
  status: CheckStatus;
  /** What was found, in one line (or a few). Never the API key. */
  found: string;
  /** What to do about it (warn, fail, skip); absent when nothing is to be done. */
  todo?: string;
  /** Figures for `--format json` (counts, milliseconds, dates). */
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  version: 1;
  /** The API base URL, `local`, or undefined when no connection could be resolved. */
  target: string | undefined;
  checks: CheckResult[];
  summary: { ok: number; warn: number; fail: number; skip: number };
  /** Whether anything blocks a sync: exit 1 then. */
  blocked: boolean;
  /** Set when Ctrl-C stopped the checks before the end. */
  interrupted?: boolean;
}

export function summarize(checks: readonly CheckResult[]): DoctorReport["summary"] {
  const summary = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) summary[check.status]++;
  return summary;
}

/** A result builder, so each check reads as `ok(...)`/`warn(...)`/`fail(...)`. */
export function result(
  base: Pick<CheckResult, "section" | "id" | "title">,
  status: CheckStatus,
  found: string,
  more: { todo?: string; data?: Record<string, unknown> } = {},
): CheckResult {
  return {
    ...base,
    status,
    found,
    ...(more.todo !== undefined && { todo: more.todo }),
    ...(more.data !== undefined && { data: more.data }),
  };
}
