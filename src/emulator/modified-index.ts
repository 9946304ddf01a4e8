import type { Timestamp } from "../time/timestamp.js";
import { sortableTime } from "./time-text.js";
import { firstAtLeast, sortByTime } from "./time-order.js";
import type { StoredRun } from "./stored-types.js";

/**
 * The runs by `modifiedDate`, for `modified_date > timestamp(…)` (the sync cache's nightly
 * listing of what changed): a database indexes it, and a scan of a million runs took the
 * emulator over a second a page. Kept as each write happens, not rebuilt: the store's clock
 * only moves forward, so a write's date is the newest, and appending keeps the order. An
 * entry is the run and the date it was given then; a run written again leaves its older
 * entry behind, stale (its date no longer the run's), skipped when read and dropped when the
 * index is rebuilt. Dates out of order (a seed, a state file) mark it for a rebuild.
 */
export class ModifiedIndex {
  private runs: StoredRun[] = [];
  /** The date each entry was given (the run's own text: no copy). */
  private dates: Timestamp[] = [];
  private inOrder = true;
  private last = "";

  /** `run`'s modifiedDate was just set. */
  touch(run: StoredRun): void {
    const key = sortableTime(run.modifiedDate);
    if (key < this.last) this.inOrder = false;
    else this.last = key;
    this.runs.push(run);
    this.dates.push(run.modifiedDate);
  }

  /** The runs whose modifiedDate lies in [from, to] (sortableTime keys); `all`: every run. */
  within(from: string, to: string, all: readonly StoredRun[]): StoredRun[] {
    if (!this.inOrder || this.runs.length > 2 * all.length + 1024) this.rebuild(all);
    const found: StoredRun[] = [];
    const { dates } = this;
    const start = firstAtLeast(dates.length, (i) => sortableTime(dates[i]), from);
    for (let i = start; i < dates.length; i++) {
      if (sortableTime(dates[i]) > to) break;
      const run = this.runs[i]!;
      if (run.modifiedDate === dates[i]) found.push(run);
    }
    return found;
  }

  private rebuild(all: readonly StoredRun[]): void {
    const sorted = sortByTime(all, (run) => run.modifiedDate);
    this.runs = sorted.runs;
    this.dates = sorted.runs.map((run) => run.modifiedDate);
    this.inOrder = true;
    this.last = sorted.keys.at(-1) ?? "";
  }
}
