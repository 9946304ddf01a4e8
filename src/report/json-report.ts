import type { Refusal } from "../core/errors.js";
import type { Change } from "../plan/change.js";
import type { Failure } from "./failure.js";
import { type PlanEntry, toPlanEntry } from "./plan-entry.js";
import type { PlanReport, SavedPlanRef, TextSink } from "./plan-report.js";
import type { PlanSummary } from "../plan/summary.js";

/**
 * The plan JSON's format version. 2 added the actions adopt, archive and unarchive; a saved
 * plan of version 1 (which cannot hold them) is still read, any other version is refused.
 */
export const PLAN_FORMAT_VERSION = 2;
export const READABLE_PLAN_VERSIONS: readonly number[] = [1, 2];

export interface JsonReportMeta {
  /** The API base URL the plan was made against (unknown when connecting failed). */
  target?: string;
}

/**
 * The plan as JSON (contract §4), streamed: the head, then one change per line as it comes,
 * then the summary. The whole output is one JSON document:
 * `{"version":1,"target":"...","changes":[\n{...},\n{...}\n],"summary":{...}}`; a plan that
 * failed adds `"error":{"code":...,"message":...}` before the summary of what was decided; one
 * a guard refuses adds `"refused":{"guard":...,"limit":...,"would":...}` and `"refusals":[...]`
 * after it.
 */
export function createJsonReport(out: TextSink, meta: JsonReportMeta): PlanReport {
  return createJsonStream(out, { version: PLAN_FORMAT_VERSION, target: meta.target }, toPlanEntry);
}

/**
 * `refused` (the first guard that refuses the plan, in the order apply checks them) and
 * `refusals` (every one), as an object's JSON.
 */
function refusedMembers(refusals: readonly Refusal[]): string {
  return JSON.stringify({ refused: refusals[0], refusals });
}

/**
 * The streaming JSON layout shared by `--format json` and the saved plan file: the head's keys,
 * `"changes":[`, one entry per line, `],"summary":{...}}`. One entry per line keeps the file
 * greppable and lets a reader stream it line by line.
 */
export function createJsonStream<E extends PlanEntry>(
  out: TextSink,
  head: Record<string, unknown>,
  toEntry: (change: Change) => E,
): PlanReport {
  const opening = JSON.stringify(head).slice(0, -1);
  out.write(`${opening}${opening === "{" ? "" : ","}"changes":[`);
  let first = true;
  return {
    add(change) {
      out.write(`${first ? "\n" : ",\n"}${JSON.stringify(toEntry(change))}`);
      first = false;
    },
    end(
      summary: PlanSummary,
      failure?: Failure,
      saved?: SavedPlanRef,
      refusals?: readonly Refusal[],
    ) {
      const error = failure === undefined ? "" : `"error":${JSON.stringify(failure)},`;
      const file = saved === undefined ? "" : `"planFile":${JSON.stringify(saved)},`;
      // After the summary: a saved plan's last line starts with it (plan-file-read.ts).
      const refused = refusals?.length ? `,${refusedMembers(refusals).slice(1, -1)}` : "";
      out.write(`\n],${error}${file}"summary":${JSON.stringify(summary)}${refused}}\n`);
    },
  };
}
