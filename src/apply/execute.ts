import { ApiError } from "../core/errors.js";
import { fetchRuns } from "../plan/lookup.js";
import { celEquals } from "../sift/cel.js";
import type { SiftClient } from "../sift/client.js";
import { RETRYABLE_STATUS } from "../sift/http.js";
import { GRPC, type Run } from "../sift/schemas.js";
import { actionOf, type ConflictPolicy, type Outcome, type Work } from "./work.js";

export interface ExecuteDeps {
  client: Pick<SiftClient, "createRun" | "createAdhocRun" | "updateRun" | "listAllRuns">;
  onConflict: ConflictPolicy;
}

/** Runs one row's requests. Never throws for an API answer: a failure is an Outcome. */
export async function executeWork(work: Work, deps: ExecuteDeps): Promise<Outcome> {
  try {
    return await execute(work, deps);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const action = actionOf(work);
    const runId = "runId" in work ? work.runId : undefined;
    return {
      status: "failed",
      action,
      ...(runId && { runId }),
      error: error.message,
      ...(isUnavailable(error) && { unavailable: true }),
    };
  }
}

/** No answer, or only answers worth retrying, through a request's whole retry budget. */
export function isUnavailable(error: ApiError): boolean {
  return error.status === 0 || RETRYABLE_STATUS.has(error.status);
}

async function execute(work: Work, deps: ExecuteDeps): Promise<Outcome> {
  // NOTE: no abort signal reaches the requests: after Ctrl-C, a row under way finishes, so a
  // write is never cut off between committing and being reported.
  const { client } = deps;
  switch (work.kind) {
    case "unchanged":
      return { status: "ok", action: "unchanged", runId: work.runId };
    case "skip":
      return {
        status: work.failed ? "failed" : "skipped",
        action: actionOf(work),
        ...(work.runId && { runId: work.runId }),
        error: work.reason,
        ...(work.grouped && { grouped: true }),
      };
    case "update": {
      const action = work.action ?? "update";
      let run: Run;
      try {
        run = await client.updateRun(work.body);
      } catch (error) {
        if (action === "adopt" && error instanceof ApiError && error.attempts > 1) {
          const adopted = await finishAdoption(work, deps);
          if (adopted !== undefined) return adopted;
        }
        throw error;
      }
      return { status: "ok", action, runId: run.runId, mask: work.body.updateMask.split(",") };
    }
    case "create": {
      let run: Run;
      try {
        run =
          work.call === "CreateAdhocRun"
            ? await client.createAdhocRun(work.body as never)
            : await client.createRun(work.body);
      } catch (error) {
        if (error instanceof ApiError && error.grpcCode === GRPC.ALREADY_EXISTS) {
          return reconcile(work, error.attempts > 1, deps);
        }
        throw error;
      }
      if (work.followUp === undefined)
        return { status: "ok", action: "create", runId: run.runId, mask: [] };
      try {
        await client.updateRun({
          run: { ...work.followUp.run, runId: run.runId },
          updateMask: work.followUp.updateMask,
        });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return {
          status: "failed",
          action: "create",
          runId: run.runId,
          error: `created, but setting ${work.followUp.updateMask} failed (run again to finish): ${error.message}`,
          ...(isUnavailable(error) && { unavailable: true }),
        };
      }
      return {
        status: "ok",
        action: "create",
        runId: run.runId,
        mask: work.followUp.updateMask.split(","),
      };
    }
    default:
      return work satisfies never;
  }
}

/**
 * NOTE: creates are safe to retry because of the clientKey: a second run is impossible, the
 * API answers 409 instead. Then the run that exists is looked up and made right.
 */
async function reconcile(
  work: Extract<Work, { kind: "create" }>,
  ours: boolean,
  deps: ExecuteDeps,
): Promise<Outcome> {
  const existing = await findByClientKey(work.clientKey, deps);
  if (existing === undefined) {
    return {
      status: "failed",
      action: "create",
      error: `the API answered 409 ALREADY_EXISTS for clientKey ${JSON.stringify(work.clientKey)}, but no such run can be found`,
    };
  }
  const next = deps.onConflict(work, existing, ours);
  if (next.kind === "create") throw new Error("a conflict policy must not create again");
  const outcome = await execute(next, deps);
  // A create whose first attempt committed: the run is ours, count it as created.
  if (ours && outcome.status === "ok")
    return { ...outcome, action: "create", mask: "mask" in outcome ? outcome.mask : [] };
  return outcome;
}

/**
 * An adopt retried after its first answer was lost may meet its own committed clientKey (Sift
 * sets a clientKey once, and may refuse to set it again). If the run now carries this row's
 * clientKey, the adoption happened: the other fields, if any, are sent again without it.
 * Undefined when the run is not ours: the original error stands.
 */
async function finishAdoption(
  work: Extract<Work, { kind: "update" }>,
  deps: ExecuteDeps,
): Promise<Outcome | undefined> {
  const existing = await findByClientKey(work.clientKey, deps);
  if (existing === undefined || existing.runId !== work.runId) return undefined;
  const mask = work.body.updateMask.split(",");
  const rest = mask.filter((path) => path !== "clientKey");
  if (rest.length > 0) {
    const { clientKey: _, ...run } = work.body.run;
    await deps.client.updateRun({ run, updateMask: rest.join(",") });
  }
  return { status: "ok", action: "adopt", runId: work.runId, mask };
}

async function findByClientKey(clientKey: string, deps: ExecuteDeps): Promise<Run | undefined> {
  const found = await fetchRuns(
    deps.client,
    celEquals("client_key", clientKey),
    new Set([clientKey]),
  );
  return found.get(clientKey);
}
