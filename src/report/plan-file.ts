import { guard, openAtomicFile } from "../core/atomic-file.js";
import { redactDeep } from "../core/secrets.js";
import type { Change } from "../plan/change.js";
import { createJsonStream, PLAN_FORMAT_VERSION } from "./json-report.js";
import { toPlanEntry } from "./plan-entry.js";
import { createPlanDigest } from "./plan-file-digest.js";
import type { PlanHead, SavedChange } from "./plan-file-schema.js";
import type { PlanReport } from "./plan-report.js";

export { DIGEST_PATTERN } from "./plan-file-digest.js";
export { checkPlanTarget } from "./plan-file-check.js";
export { openPlanFile, type PlanFileStream, readPlanFile } from "./plan-file-read.js";
export type { SavedChange } from "./plan-file-schema.js";

export type PlanFileMeta = Omit<PlanHead, "version">;

export interface PlanFileWriter extends PlanReport {
  /** Stops writing and removes the unfinished file (the target path is left untouched). */
  abort(): void;
  /** The digest of the file written (see plan-file-digest.ts), once `end` has saved it. */
  digest(): string | undefined;
}

/**
 * Saves a plan (`plan --out FILE`) as it streams: the `--format json` document plus, per run,
 * what apply needs to send exactly the reviewed change. The file appears only when `end` is
 * called, atomically (a temporary file renamed over FILE), so an interrupted plan never leaves
 * a truncated plan behind. Nothing of the connection but the target URL is written.
 *
 * @example
 * const file = createPlanFileWriter("plan.json", { target, createdAt: new Date().toISOString(), options, manifests });
 * for (const change of changes) file.add(change);
 * file.end(summary);
 */
export function createPlanFileWriter(
  path: string,
  meta: PlanFileMeta,
  /** Where a relative `path` is taken from (the command's directory); default the process's. */
  where: { cwd?: string } = {},
): PlanFileWriter {
  const file = openAtomicFile(path, "the plan file", where);
  // NOTE: redacted before the digest is taken: the digest is the file's, and no key is in it.
  // A value that held the key no longer matches Sift's, so applying the file is refused.
  const head = redactDeep({
    version: PLAN_FORMAT_VERSION,
    target: meta.target,
    createdAt: meta.createdAt,
    options: meta.options,
    manifests: meta.manifests,
  });
  // The digest is computed over what is written, as a reader computes it over what it reads.
  const digest = createPlanDigest(head);
  let digested: string | undefined;
  const json = createJsonStream(file, head, (change) => {
    const entry = redactDeep(toSavedChange(change));
    digest.addEntry(entry);
    return entry;
  });
  let open = true;
  const abort = () => {
    open = false;
    file.abort();
  };
  return {
    add(change) {
      if (!open) return;
      guard(abort, () => json.add(change));
    },
    end(summary, failure, _saved, refusals) {
      if (!open) return;
      if (failure !== undefined) return abort(); // a failed plan is never saved
      // A refused plan is saved with its refusals: apply --plan refuses it as apply would.
      const refused = refusals?.length ? { refused: refusals[0], refusals } : {};
      guard(abort, () => json.end(summary, undefined, undefined, refusals));
      open = false;
      file.commit();
      digested = digest.end({ summary, ...refused });
    },
    abort,
    digest: () => digested,
  };
}

/** A change with the extras apply executes: the request body, follow-up and modifiedDate. */
export function toSavedChange(change: Change): SavedChange {
  const entry = toPlanEntry(change);
  if (change.action === "archive") {
    return {
      ...entry,
      action: "archive",
      runId: change.runId,
      updateMask: ["isArchived"],
      ...(change.modifiedDate !== undefined && { modifiedDate: change.modifiedDate }),
      request: change.body,
    };
  }
  switch (change.action) {
    case "create":
      return {
        ...entry,
        action: "create",
        call: change.call,
        request: change.body,
        ...(change.followUp !== undefined && { followUp: change.followUp }),
      };
    case "update":
    case "unarchive":
      return {
        ...entry,
        action: change.action,
        runId: change.runId,
        updateMask: change.mask,
        ...(change.modifiedDate !== undefined && { modifiedDate: change.modifiedDate }),
        request: change.body,
      };
    case "adopt":
      return {
        ...entry,
        action: "adopt",
        adoptedBy: change.by,
        runId: change.runId,
        updateMask: change.mask,
        ...(change.modifiedDate !== undefined && { modifiedDate: change.modifiedDate }),
        request: change.body,
      };
    case "unchanged":
      return {
        ...entry,
        action: "unchanged",
        runId: change.runId,
        ...(change.modifiedDate !== undefined && { modifiedDate: change.modifiedDate }),
      };
    case "skip":
      return { ...entry, action: "skip", reason: change.reason };
    case "invalid":
      return { ...entry, action: "invalid", problems: entry.problems ?? [] };
    default:
      return change satisfies never;
  }
}
