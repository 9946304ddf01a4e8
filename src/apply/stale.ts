/**
 * Why `apply --plan` skips one saved change: the run Sift holds is no longer the one the plan
 * was made against. A code per reason and one table of their texts (the row's results line);
 * a new plan shows what changed.
 */
export type Staleness =
  /** A planned create meets its clientKey: someone made the run after the plan. */
  | { code: "created-after-plan" }
  /** The planned run is gone, or its clientKey now names another run. */
  | { code: "run-gone" }
  /** A planned adopt meets a run that was given a clientKey since. */
  | { code: "key-given"; clientKey: string }
  /** The run's modifiedDate moved since the plan. */
  | { code: "changed"; planned: string | undefined; now: string | undefined };

/** `the run changed in Sift after the plan was made (modifiedDate ... → ...)` */
export function describeStaleness(stale: Staleness): string {
  switch (stale.code) {
    case "created-after-plan":
      return "a run with this clientKey was created after the plan was made";
    case "run-gone":
      return "the run no longer exists as planned";
    case "key-given":
      return `the run was given clientKey ${JSON.stringify(stale.clientKey)} after the plan was made`;
    case "changed":
      return `the run changed in Sift after the plan was made (modifiedDate ${stale.planned ?? "none"} → ${stale.now ?? "none"})`;
    default:
      return stale satisfies never;
  }
}
