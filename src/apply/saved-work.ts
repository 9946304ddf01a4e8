import type { SavedChange } from "../report/plan-file.js";
import type { SiftClient } from "../sift/client.js";
import type { Run } from "../sift/schemas.js";
import { createdAsPlanned, holdsPlannedValues } from "./created-as-planned.js";
import { lookedUp } from "./saved-lookups.js";
import { describeStaleness, type Staleness } from "./stale.js";
import type { Work } from "./work.js";

/*
 * What a saved plan's change becomes when `apply --plan` meets the run as Sift holds it now:
 * the planned write, unchanged (applied before), or skipped as stale.
 */

/** The work each saved change is now, checked against the run Sift holds for it, batch by batch. */
export async function* checkedWork(
  changes: AsyncIterable<SavedChange>,
  client: SiftClient,
): AsyncGenerator<Work> {
  for await (const batch of lookedUp(changes, client)) {
    yield* batch.map(({ change, now }) => checkChange(change, now));
  }
}

export function checkChange(change: SavedChange, now: Run | undefined): Work {
  const row = { clientKey: change.clientKey, source: change.source };
  switch (change.action) {
    case "invalid":
      return { kind: "skip", ...row, failed: true, reason: change.problems.join("; ") };
    case "skip":
      return { kind: "skip", ...row, action: "skip", failed: false, reason: change.reason };
    case "create":
      // Applied before (this plan, a second time): the run holds what the create would give it.
      if (now !== undefined && createdAsPlanned(change.request, change.followUp, now)) {
        return { kind: "unchanged", ...row, runId: now.runId };
      }
      if (now !== undefined) {
        return {
          kind: "skip",
          ...row,
          runId: now.runId,
          failed: false,
          reason: describeStaleness({ code: "created-after-plan" }),
        };
      }
      return {
        kind: "create",
        ...row,
        call: change.call,
        body: change.request,
        followUp: change.followUp,
      };
    case "adopt":
    case "update":
    case "unarchive":
    case "archive":
    case "unchanged": {
      // Applied before: the run changed since the plan, but only by this very update.
      if (change.action !== "unchanged" && now?.runId === change.runId) {
        const adopted = change.action !== "adopt" || now.clientKey === change.clientKey;
        if (adopted && holdsPlannedValues(change.request.run, now)) {
          return { kind: "unchanged", ...row, runId: change.runId };
        }
      }
      const stale = staleness(change, now);
      if (stale) {
        const skip = { kind: "skip", action: change.action, ...row, runId: change.runId } as const;
        return { ...skip, failed: false, reason: describeStaleness(stale) };
      }
      if (change.action === "unchanged") return { kind: "unchanged", ...row, runId: change.runId };
      return {
        kind: "update",
        action: change.action,
        ...row,
        runId: change.runId,
        body: change.request,
      };
    }
    default:
      return change satisfies never;
  }
}

/** Why the saved change no longer fits the run Sift holds now, if it does not. */
function staleness(
  change: { action: string; clientKey: string; runId: string; modifiedDate?: string },
  now: Run | undefined,
): Staleness | undefined {
  if (now === undefined || now.runId !== change.runId) return { code: "run-gone" };
  if (change.action === "adopt" && now.clientKey !== undefined) {
    return { code: "key-given", clientKey: now.clientKey };
  }
  if (now.modifiedDate !== change.modifiedDate) {
    return { code: "changed", planned: change.modifiedDate, now: now.modifiedDate };
  }
  return undefined;
}
