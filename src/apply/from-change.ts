import { formatProblem } from "../core/errors.js";
import { formatSource } from "../manifest/index.js";
import type { Change } from "../plan/change.js";
import { type DiffContext, type DiffOptions, diffRun } from "../plan/diff.js";
import type { ConflictPolicy, Work } from "./work.js";

/** The work a live plan's change asks for. */
export function workFromChange(change: Change): Work {
  if (change.action === "archive") {
    const row = { clientKey: change.clientKey, source: "", runId: change.runId };
    return { kind: "update", action: "archive", ...row, body: change.body };
  }
  const row = { clientKey: change.spec.clientKey, source: formatSource(change.spec.source) };
  switch (change.action) {
    case "create":
      return {
        kind: "create",
        ...row,
        call: change.call,
        body: change.body,
        followUp: change.followUp,
        spec: change.spec,
      };
    case "update":
    case "adopt":
    case "unarchive":
      return {
        kind: "update",
        action: change.action,
        ...row,
        runId: change.runId,
        body: change.body,
      };
    case "unchanged":
      return { kind: "unchanged", ...row, runId: change.runId };
    case "skip":
      return { kind: "skip", ...row, action: "skip", failed: false, reason: change.reason };
    case "invalid":
      return {
        kind: "skip",
        ...row,
        failed: true,
        reason: change.problems.map(formatProblem).join("; "),
      };
    default:
      return change satisfies never;
  }
}

/**
 * A live create that meets an existing run (another writer, or our own earlier attempt whose
 * answer was lost) diffs the manifest run against it, exactly as the plan would have.
 */
export function reconcileByDiff(context: DiffContext, options: DiffOptions): ConflictPolicy {
  return (work, existing, ours) => {
    if (work.spec === undefined) throw new Error("a live create carries its spec");
    // Our own create, committed with its answer lost: finish it (its follow-up) whatever the
    // mode; a run someone else made is left alone by --mode create-only.
    const mode = ours ? "upsert" : options.mode;
    const change = diffRun(work.spec, existing, context, { ...options, mode });
    if (change.action === "create" || change.action === "archive")
      throw new Error("diff of an existing run cannot be a create");
    return workFromChange(change);
  };
}
