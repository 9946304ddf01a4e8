import { plural } from "../core/words.js";
import { ApiError, GuardError, PlanFileError } from "../core/errors.js";
import { guardFlag } from "../plan/guard.js";
import { type Stopping, stoppingOf } from "../core/stopping.js";
import { checkPlanTarget, openPlanFile, type SavedChange } from "../report/plan-file.js";
import { copyPlanFile } from "../report/plan-file-copy.js";
import { createPlanSummary } from "../plan/summary.js";
import type { SiftClient } from "../sift/client.js";
import { withStopping } from "../sift/stoppable.js";
import type { ApplyResult } from "./apply.js";
import { heldBack } from "./held-back.js";
import { type ReadStop, reportRowsRead } from "./read-stop.js";
import { applyWork } from "./apply-work.js";
import { RowList } from "./row-list.js";
import { turnByTurn } from "./row-refs.js";
import { collectAssetIds } from "./check-plan-against-sift.js";
import { createdAsPlanned } from "./created-as-planned.js";
import { describeStaleness } from "./stale.js";
import { checkAgainstSift, refuseIf } from "./saved-lookups.js";
import { checkChange, checkedWork } from "./saved-work.js";
import { formatSkip, type SkipReason } from "./stop.js";
import type { ConflictPolicy, RowResult, Work } from "./work.js";

export interface ApplyPlanFileOptions {
  path: string;
  /** Where a relative `path` is taken from; default the process's directory. */
  cwd?: string;
  client: SiftClient;
  /** Where this apply writes (API base URL or `local`): must be the plan's target. */
  target: string;
  /**
   * `sha256:...`: apply the file only if this is its digest, as the reviewer saw it (through a
   * channel the file does not control: the reviewed comment, a CI job's output).
   */
  expectDigest?: string;
  concurrency?: number;
  failFast?: boolean;
  /** As apply's: no new request after it, requests under way cut off `stopGraceMs` later. */
  signal?: AbortSignal;
  stopGraceMs?: number;
  /** Instead of `signal`: both steps under the caller's control. */
  stopping?: Stopping;
  onResult?: (row: RowResult) => void;
  /** Stopped while reading, before the rows read are listed: where it stopped (see ReadStop). */
  onReadStop?: (stop: ReadStop) => void;
  onProgress?: (progress: { done: number; total: number }) => void;
  /**
   * `--skip-invalid`: apply the valid runs of a plan that holds invalid ones (reported as
   * failed). Without it such a plan writes nothing, as an apply of its manifests.
   */
  skipInvalid?: boolean;
}

export interface PlanFileApplyResult extends ApplyResult {
  /**
   * The digest of the file applied (see plan-file-digest.ts); undefined when a stop came
   * before it was read to its end.
   */
  digest?: string;
}

/**
 * Applies exactly a saved plan: the reviewed requests, nothing re-planned. Before anything is
 * written, the whole file is checked: each request must be what its entry shows (see
 * plan-file-verify.ts), its digest the expected one, and its old values what Sift holds. A run
 * whose modifiedDate changed since the plan, or a create whose clientKey now exists, is skipped
 * and reported: the plan is stale for it, and a new plan will show why.
 */
export async function applyPlanFile(options: ApplyPlanFileOptions): Promise<PlanFileApplyResult> {
  const own = options.stopping ? undefined : stoppingOf(options);
  try {
    const stopping = options.stopping ?? own;
    // Every request, the checks' lookups included, stops with it.
    const client = withStopping(options.client, stopping);
    return await applyPlanFileStopping({ ...options, client, stopping });
  } finally {
    own?.dispose();
  }
}

async function applyPlanFileStopping(options: ApplyPlanFileOptions): Promise<PlanFileApplyResult> {
  const started = performance.now();
  // What is checked is what is applied: a private copy, read as often as needed.
  const copy = await copyPlanFile(options.path, { cwd: options.cwd });
  try {
    const open = () => openPlanFile(options.path, copy.path);
    const opened = await open();
    checkPlanTarget(opened.head, options.target, options.path);
    // Read the whole file once before acting, so a broken plan leaves nothing half done.
    const plan = createPlanSummary();
    const assets = new Map<string, string>();
    const problems: string[] = [];
    let total = 0;
    const stop = options.stopping?.stop;
    let stoppedReading = false;
    /**
     * Every change as its row (clientKey, place, action), kept as the plan is first read: a stop
     * names the rows it did not reach from them: reading the plan again took ~60 us a change.
     */
    const rows = new RowList();
    try {
      for await (const change of opened.changes) {
        // Ctrl-C: a large plan is not read to its end first.
        if (stop?.aborted) {
          stoppedReading = true;
          break;
        }
        rows.add(change.clientKey, change.source, change.action);
        total++;
        plan[change.action]++;
        plan.warnings += change.warnings.length;
        for (const p of collectAssetIds(change, assets)) problems.push(`${change.clientKey}: ${p}`);
      }
    } catch (error) {
      throw nothingWritten(error);
    }
    if (stoppedReading) return await reportChangesRead(rows, options, started);
    const digest = opened.digest();
    refuseIf(problems, options.path);
    if (options.expectDigest !== undefined && options.expectDigest !== digest) {
      throw new PlanFileError(
        `${options.path} has the digest ${digest}, not ${options.expectDigest} (--expect-digest): it is not the plan that was reviewed; nothing was written`,
        { nothingWritten: true },
      );
    }
    /** Applies the work stream; a refusal's report (skips alone) is never cut by --fail-fast. */
    const work = (stream: AsyncIterable<Work>, refused = false) =>
      applyWork(stream, {
        client: options.client,
        concurrency: options.concurrency ?? 8,
        onConflict: keepPlannedCreate,
        stopping: options.stopping,
        failFast: options.failFast && !refused,
        onResult(row) {
          options.onResult?.(row);
          options.onProgress?.({ done: ++done, total });
        },
        unreached: (reached) => turnByTurn(rows.refs(reached)),
      });
    let done = 0;
    // A plan a guard refused when it was made is refused here too, before any request; every
    // run is reported skipped.
    const refusals = opened.refusals();
    if (refusals !== undefined) {
      const guards = refusals.map(guardFlag).join(" and ");
      await work(heldBack(turnByTurn(rows.refs()), { code: "refused", guards }), true);
      const first = refusals[0]!;
      throw new GuardError(
        `${options.path} was refused when it was planned: ${first.message}; nothing was written (plan again, with ${first.override} once the plan is checked, to apply it)`,
        { refusals },
      );
    }
    // A plan that holds invalid runs writes nothing, as an apply of its manifests would: every
    // run is reported (the invalid ones failed); `skipInvalid` applies the valid ones.
    if (plan.invalid > 0 && !options.skipInvalid) {
      await work(heldBackByInvalid((await open()).changes), true);
      const valid = total - plan.invalid;
      throw new PlanFileError(
        `${options.path} holds ${plural(plan.invalid, "invalid run")}; nothing was written (${plural(valid, "valid run")} held back; --skip-invalid applies the valid runs and reports the invalid ones as failed)`,
        { nothingWritten: true },
      );
    }
    // Stopped during the checks: nothing was written, and every change is reported skipped.
    const checked = await checkAgainstSift(open, assets, options).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiError && error.reason === "interrupted") return false;
        if (stop?.aborted && error === stop.reason) return false;
        throw error;
      },
    );
    const { changes } = await open();
    const counts = await work(checked ? checkedWork(changes, options.client) : noWork());
    const interrupted = counts.stopped?.kind === "interrupted";
    return { ...counts, plan, elapsedMs: performance.now() - started, interrupted, digest };
  } finally {
    await copy.remove();
  }
}

/**
 * Stopped while the plan was read, before any request: the changes read until then (`rows`,
 * kept as they were read) are reported as skipped; the rest of the file, one change a line
 * from its second, was not read. Nothing was written.
 */
async function reportChangesRead(
  rows: RowList,
  options: ApplyPlanFileOptions,
  started: number,
): Promise<PlanFileApplyResult> {
  const { path } = options;
  const read = rows.size;
  const counts = await reportRowsRead(
    {
      rows: () => rows.refs(),
      count: read,
      unnamed: 0,
      unread: { files: [read > 0 ? { path, afterLine: read + 1 } : { path }], of: "plan" },
    },
    options,
    "interrupted-reading-plan",
  );
  return {
    ...counts,
    plan: createPlanSummary(),
    elapsedMs: performance.now() - started,
    interrupted: true,
  };
}

/** A broken file is refused before any request: say so. */
function nothingWritten(error: unknown): unknown {
  if (!(error instanceof PlanFileError) || error.nothingWritten) return error;
  return new PlanFileError(`${error.message}; nothing was written`, {
    cause: error.cause,
    nothingWritten: true,
  });
}

async function* noWork(): AsyncGenerator<Work> {}

/** The runs of a plan held back by its invalid ones: those failed, every other skipped. */
async function* heldBackByInvalid(changes: AsyncIterable<SavedChange>): AsyncGenerator<Work> {
  const skip: SkipReason = { code: "held-back" };
  for await (const change of changes) {
    if (change.action === "invalid") {
      yield { ...checkChange(change, undefined), grouped: true } as Work;
      continue;
    }
    yield {
      kind: "skip",
      clientKey: change.clientKey,
      source: change.source,
      ...("runId" in change && { runId: change.runId }),
      action: change.action,
      failed: false,
      grouped: true,
      skip,
      reason: formatSkip(skip),
    };
  }
}

/**
 * A planned create that meets its clientKey: if an earlier attempt of this very create may have
 * committed (its answer lost), the run is ours — finish its follow-up. Otherwise someone else
 * made it after the plan: skip.
 */
const keepPlannedCreate: ConflictPolicy = (work, existing, ours) => {
  const row = { clientKey: work.clientKey, source: work.source };
  if (!ours && createdAsPlanned(work.body, work.followUp, existing)) {
    return { kind: "unchanged", ...row, runId: existing.runId };
  }
  if (!ours) {
    return {
      kind: "skip",
      ...row,
      runId: existing.runId,
      failed: false,
      reason: describeStaleness({ code: "created-after-plan" }),
    };
  }
  if (work.followUp === undefined) return { kind: "unchanged", ...row, runId: existing.runId };
  return {
    kind: "update",
    ...row,
    runId: existing.runId,
    body: {
      run: { ...work.followUp.run, runId: existing.runId },
      updateMask: work.followUp.updateMask,
    },
  };
};
