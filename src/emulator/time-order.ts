import type { Timestamp } from "../time/timestamp.js";
import { sortableTime } from "./time-text.js";
import type { StoredRun } from "./stored-types.js";

/**
 * The runs that have a time `read`, in its order (ties in creation order), and each one's
 * sortableTime key: what the emulator's ranged lookups search (filter-fields.ts, modified-index.ts).
 */
export function sortByTime(
  runs: readonly StoredRun[],
  read: (run: StoredRun) => Timestamp | undefined,
): { keys: string[]; runs: StoredRun[] } {
  const keyed = runs
    .filter((run) => read(run) !== undefined)
    .map((run) => ({ key: sortableTime(read(run)), run }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.run.seq - b.run.seq));
  return { keys: keyed.map((k) => k.key), runs: keyed.map((k) => k.run) };
}

/** The first of `n` positions whose key (`keyAt`, in order) is at least `key`; `n` if none. */
export function firstAtLeast(n: number, keyAt: (i: number) => string, key: string): number {
  return firstWhere(n, (i) => keyAt(i) >= key);
}

/** The first of `n` positions whose key (`keyAt`, in order) is above `key`; `n` if none. */
export function firstAbove(n: number, keyAt: (i: number) => string, key: string): number {
  return firstWhere(n, (i) => keyAt(i) > key);
}

/** Binary search: the first position where `holds` (false before it, true from it on). */
function firstWhere(n: number, holds: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (holds(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
