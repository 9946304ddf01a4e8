import { ApiError } from "../core/errors.js";
import { fetchRuns } from "../sift/lookup.js";
import { celEquals } from "../sift/cel.js";
import type { SiftClient } from "../sift/client.js";
import { RETRYABLE_STATUS } from "../sift/http.js";
import { GRPC, type Run } from "../sift/schemas.js";
import { formatSkip, type SkipReason } from "./stop.js";
import { actionOf, type ConflictPolicy, type Outcome, type Work } from "./work.js";

export interface ExecuteDeps {
  client: Pick<SiftClient, "createRun" | "createAdhocRun" | "updateRun" | "listAllRuns">;
  onConflict: ConflictPolicy;
}

/** Why a row was not done when stopping began before any of its requests went out. */
const INTERRUPTED_SKIP: SkipReason = { code: "not-attempted", stop: "interrupted" };
export const NOT_ATTEMPTED_INTERRUPTED = formatSkip(INTERRUPTED_SKIP);
/** Why a row was not done when stopping cut off (or stopped retrying) a request of it. */
export const CUT_OFF_INTERRUPTED =
  "interrupted while its request was under way: it may or may not have been applied; run the same command again (it finds what was done)";

/**
 * Runs one row's requests. Never throws for an API answer: a failure is an Outcome, and a row
 * that stopping interrupted is skipped, saying whether a request of it had gone out.
 */
export async function executeWork(work: Work, deps: ExecuteDeps): Promise<Outcome> {
  try {
    return await execute(work, deps);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const action = actionOf(work);
    const runId = "runId" in work ? work.runId : undefined;
    if (error.reason === "interrupted") {
      const sent = error.attempts > 0;
      return {
        status: "skipped",
        action,
        ...(runId && { runId }),
        error: sent ? CUT_OFF_INTERRUPTED : NOT_ATTEMPTED_INTERRUPTED,
        ...(!sent && { grouped: true, skip: INTERRUPTED_SKIP }),
      };
    }
    return {
      status: "failed",
      action,
      ...(runId && { runId }),
      error: error.message,
      ...(isUnavailable(error) && { unavailable: true }),
      ...(error.reason === "rate-limited" && { rateLimited: true }),
    };
  }
}

/**
 * No usable answer through a request's whole retry budget: no answer, answers worth retrying
 * (503, a proxy's 502) or broken ones. Rate limiting is told apart (`rateLimited`).
 */
export function isUnavailable(error: ApiError): boolean {
  if (error.reason === "interrupted" || error.reason === "too-large") return false;
  if (error.reason === "broken-answer") return true;
  return error.status === 0 || RETRYABLE_STATUS.has(error.status);
}

/**
 * Whether a create that failed may still have been committed: an attempt went unanswered (a
 * timeout, a reset, a gateway's 502/503/504) or a retry followed one. A 4xx on the only
 * attempt is a refusal: nothing was created.
 */
function mayHaveCommitted(error: ApiError): boolean {
  if (error.reason === "interrupted") return false; // no request may start now to look
  if (error.reason === "rate-limited") return false; // every attempt was turned away
  if (error.attempts > 1) return true;
  return error.status === 0 || error.status >= 500;
}

/** A row already as the manifest says: nothing to send. */
export function unchangedOutcome(work: Work & { kind: "unchanged" }): Outcome {
  return { status: "ok", action: "unchanged", runId: work.runId };
}

async function execute(work: Work, deps: ExecuteDeps): Promise<Outcome> {
  // NOTE: after Ctrl-C the client starts no new request, and cuts off the requests under way
  // after a grace (core/stopping.ts): a row cut off is reported as skipped, "may have been applied".
  const { client } = deps;
  switch (work.kind) {
    case "unchanged":
      return unchangedOutcome(work);
    case "skip":
      return {
        status: work.failed ? "failed" : "skipped",
        action: actionOf(work),
        ...(work.runId && { runId: work.runId }),
        error: work.reason,
        ...(work.grouped && { grouped: true }),
        ...(work.skip && { skip: work.skip }),
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
      return {
        status: "ok",
        action,
        runId: run.runId,
        mask: work.body.updateMask.split(","),
        run,
      };
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
        if (error instanceof ApiError && mayHaveCommitted(error)) {
          return recheckCreate(work, error, deps);
        }
        throw error;
      }
      if (work.followUp === undefined)
        return { status: "ok", action: "create", runId: run.runId, mask: [], run };
      try {
        run = await client.updateRun({
          run: { ...work.followUp.run, runId: run.runId },
          updateMask: work.followUp.updateMask,
        });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.reason === "interrupted") {
          const mask = work.followUp.updateMask;
          return {
            status: "skipped",
            action: "create",
            runId: run.runId,
            error:
              error.attempts === 0
                ? `created, but interrupted before setting ${mask}; run the same command again to finish`
                : `created, but interrupted while setting ${mask} (it may or may not be set); run the same command again to finish`,
          };
        }
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
        run,
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
  let existing: Run | undefined;
  try {
    existing = await findByClientKey(work.clientKey, deps);
  } catch (error) {
    if (!(error instanceof ApiError) || error.reason === "interrupted") throw error;
    // NOTE: the row must not read as "not created": the 409 says the run exists.
    return {
      status: "failed",
      action: "create",
      error: `the API answered 409 ALREADY_EXISTS for clientKey ${JSON.stringify(work.clientKey)}: the run exists, but looking it up failed (${error.message}); run the same command again`,
      ...(isUnavailable(error) && { unavailable: true }),
    };
  }
  if (existing === undefined) {
    return {
      status: "failed",
      action: "create",
      error: `the API answered 409 ALREADY_EXISTS for clientKey ${JSON.stringify(work.clientKey)}, but no such run can be found`,
    };
  }
  return makeExistingRight(work, existing, ours, deps);
}

/**
 * A create that failed after its retries may have committed all the same (an attempt whose
 * answer was lost): the run is looked up once more by clientKey before the row is reported.
 * Found, it is the create's own run, made right as after a 409 (its follow-up, or an update if
 * it differs from the plan); not found, the create's error stands.
 */
async function recheckCreate(
  work: Extract<Work, { kind: "create" }>,
  failure: ApiError,
  deps: ExecuteDeps,
): Promise<Outcome> {
  let existing: Run | undefined;
  try {
    existing = await findByClientKey(work.clientKey, deps);
  } catch (error) {
    if (!(error instanceof ApiError) || error.reason === "interrupted") throw error;
    return {
      status: "failed",
      action: "create",
      error: `${failure.message}; looking the run up afterwards failed too (${error.message}), so the run may exist: run the same command again`,
      ...(isUnavailable(failure) && { unavailable: true }),
      ...(failure.reason === "rate-limited" && { rateLimited: true }),
    };
  }
  if (existing === undefined) throw failure;
  return makeExistingRight(work, existing, true, deps);
}

/** The work the conflict policy asks for on the existing run, done; a create of ours counts as created. */
async function makeExistingRight(
  work: Extract<Work, { kind: "create" }>,
  existing: Run,
  ours: boolean,
  deps: ExecuteDeps,
): Promise<Outcome> {
  const next = deps.onConflict(work, existing, ours);
  if (next.kind === "create") throw new Error("a conflict policy must not create again");
  let outcome: Outcome;
  try {
    outcome = await execute(next, deps);
  } catch (error) {
    if (!ours || !(error instanceof ApiError) || error.reason === "interrupted") throw error;
    // Our create committed: the row says so, with its run, whatever failed after.
    return {
      status: "failed",
      action: "create",
      runId: existing.runId,
      error: `created, but making it match the manifest failed (run again to finish): ${error.message}`,
      ...(isUnavailable(error) && { unavailable: true }),
    };
  }
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
