import { CLIENT_KEY_RULE, explainClientKey, NEW_KEY_FIX } from "../core/client-key.js";
import type { Problem } from "../core/errors.js";
import { quote, type RunSpec } from "../manifest/index.js";
import type { Run } from "../sift/schemas.js";
import type { Change, RunUpdate, Warning } from "./change.js";
import { planCreate } from "./diff-create.js";
import type { DiffOptions, SyncMode } from "./diff-options.js";
import { planUpdate } from "./diff-update.js";
import type { Match } from "./match.js";
import { checkHeldMetadata } from "./metadata-list.js";
import { type DiffContext, resolveSpec } from "./resolve.js";
import { describePlanSkip, type PlanSkipCode } from "./skip.js";

export {
  type DiffOptions,
  IGNORABLE_FIELDS,
  type IgnorableField,
  type SyncMode,
} from "./diff-options.js";
export { checkSpec, type DiffContext } from "./resolve.js";

/**
 * The diff: a manifest run and what its lookups matched → the change it needs. Names are
 * resolved first (resolve.ts), then a create (diff-create.ts) or an update (diff-update.ts) is
 * planned from the run-field table. Pure: no client, clock or logger.
 */

/** Decides what one manifest run needs: create, update (with the minimal mask) or nothing. */
export function diffRun(
  spec: RunSpec,
  existing: Run | undefined,
  context: DiffContext,
  options: DiffOptions,
): Change {
  const problems: Problem[] = [];
  const resolved = resolveSpec(spec, context, problems);
  if (existing !== undefined) checkHeldMetadata(spec, existing, problems);
  const mode = options.mode ?? "upsert";
  if (existing === undefined && mode !== "update-only") checkNewKey(spec, options, problems);
  if (problems.length > 0) return { action: "invalid", spec, problems };
  if (existing === undefined) {
    if (mode === "update-only") return skipChange(spec, "no-run-to-update");
    return planCreate(spec, resolved, context, problems);
  }
  return inMode(mode, planUpdate(spec, existing, resolved, context, options, undefined));
}

/**
 * A run to be created needs a clientKey Sift accepts (src/core/client-key.ts): a create with
 * another key is refused by Sift, so it is invalid here and never sent. Existing runs are
 * matched by any key (they may predate the rule).
 */
function checkNewKey(spec: RunSpec, options: DiffOptions, problems: Problem[]): void {
  if (options.clientKeyCheck === "off") return;
  const reason = explainClientKey(spec.clientKey);
  if (reason === undefined) return;
  problems.push({
    file: spec.source.file,
    line: spec.source.line,
    field: "clientKey",
    message: `${quote(spec.clientKey)} ${reason}, and no run has this key: Sift creates runs only with clientKeys of ${CLIENT_KEY_RULE} (${NEW_KEY_FIX})`,
  });
}

function skipChange(spec: RunSpec, code: PlanSkipCode): Change {
  return { action: "skip", spec, code, reason: describePlanSkip(code) };
}

/** `--mode create-only` never changes an existing run: an update (adopt, unarchive) is left out. */
function inMode(mode: SyncMode, change: Change): Change {
  if (mode !== "create-only") return change;
  if (change.action !== "update" && change.action !== "adopt" && change.action !== "unarchive") {
    return change;
  }
  return leaveAsItIs(change);
}

/** `--mode create-only`: an update becomes "unchanged", with a note naming what differs. */
function leaveAsItIs(change: RunUpdate): Change {
  const labels = change.fields.map((f) => f.label);
  const note: Warning = {
    code: "not-updated",
    message: `differs from Sift (${labels.join(", ")}); --mode create-only leaves existing runs as they are`,
  };
  return {
    action: "unchanged",
    spec: change.spec,
    runId: change.runId,
    modifiedDate: change.modifiedDate,
    warnings: [...change.warnings, note],
  };
}

/**
 * The change for a manifest run and what its lookups matched: create, update, adopt (a run
 * without a clientKey, brought under the row's), or invalid when the match is a conflict.
 * Pure, like diffRun.
 */
export function diffMatch(
  spec: RunSpec,
  match: Match,
  context: DiffContext,
  options: DiffOptions,
): Change {
  switch (match.kind) {
    case "none": {
      const change = diffRun(spec, undefined, context, options);
      if (match.warnings && change.action === "create") change.warnings.push(...match.warnings);
      return change;
    }
    case "existing":
      return diffRun(spec, match.run, context, options);
    case "conflict": {
      // Report the row's other problems too: all of a row's problems in one pass.
      const problems: Problem[] = [...match.problems];
      resolveSpec(spec, context, problems);
      return { action: "invalid", spec, problems };
    }
    case "adopt": {
      const problems: Problem[] = [];
      const resolved = resolveSpec(spec, context, problems);
      checkHeldMetadata(spec, match.run, problems);
      if (problems.length > 0) return { action: "invalid", spec, problems };
      const change = planUpdate(spec, match.run, resolved, context, options, match.by);
      return inMode(options.mode ?? "upsert", change);
    }
    default:
      return match satisfies never;
  }
}
