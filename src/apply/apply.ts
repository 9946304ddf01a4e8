import type { Change } from "../plan/change.js";
import { diffOptions, type SyncOptions } from "../plan/plan.js";
import { planChanges } from "../plan/plan-changes.js";
import { prepare } from "../plan/prepare.js";
import { countChange, createPlanSummary, type PlanSummary } from "../report/summary.js";
import type { SiftClient } from "../sift/client.js";
import { type ApplyCounts, applyWork } from "./apply-work.js";
import { reconcileByDiff, workFromChange } from "./from-change.js";
import type { RowResult, Work } from "./work.js";

export interface ApplyOptions extends SyncOptions {
  client: SiftClient;
  /** Requests in flight at most; match the client's pool. Default 8. */
  concurrency?: number;
  /** Stop after the first failed row; the rest are reported as skipped. */
  failFast?: boolean;
  /** Abort (Ctrl-C): no new row starts, rows under way finish and are reported. */
  signal?: AbortSignal;
  /** Each change as planned, in manifest order. */
  onChange?: (change: Change) => void;
  /** Each row's result, as it completes. */
  onResult?: (row: RowResult) => void;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface ApplyResult extends ApplyCounts {
  /** What the plan decided, before execution. */
  plan: PlanSummary;
  elapsedMs: number;
  /** True when stopped by the signal before every row was reached. */
  interrupted: boolean;
}

/**
 * Makes Sift match the manifests: validates every row first (writing nothing if any is
 * invalid), then streams lookups, creates and updates through one bounded request pool.
 * Safe to run again at any point: a second run writes nothing.
 *
 * @example
 * const result = await apply({ paths: ["manifests/"], client });
 * if (result.failed > 0) process.exitCode = 1;
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const started = performance.now();
  const { client } = options;
  const prepared = await prepare(options, client, { checkRows: true });
  const diff = diffOptions(options);
  const plan = createPlanSummary();
  let done = 0;

  async function* work(): AsyncGenerator<Work> {
    for await (const change of planChanges(prepared.specs(), client, prepared.context, diff)) {
      countChange(plan, change);
      options.onChange?.(change);
      yield workFromChange(change);
    }
  }

  const counts = await applyWork(work(), {
    client,
    concurrency: options.concurrency ?? 8,
    onConflict: reconcileByDiff(prepared.context, diff),
    signal: options.signal,
    failFast: options.failFast,
    onResult(row) {
      options.onResult?.(row);
      options.onProgress?.({ done: ++done, total: prepared.runs });
    },
  });
  const interrupted = options.signal?.aborted === true && done < prepared.runs;
  return { ...counts, plan, elapsedMs: performance.now() - started, interrupted };
}
