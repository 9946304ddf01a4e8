import type { CacheColumns, CacheData, CacheMeta, Epoch } from "./cache-file.js";
import { KeyTable } from "./key-table.js";

/** Room for `capacity` entries (the keys' table grows by itself). */
export function allocateColumns(capacity: number, keys = new KeyTable(capacity)): CacheColumns {
  return {
    count: 0,
    keys,
    rowHash: new Float64Array(capacity),
    runId: new Uint8Array(capacity * 16),
    seconds: new Float64Array(capacity),
    nanos: new Uint32Array(capacity),
    epoch: new Uint16Array(capacity),
  };
}

/** The same entries, with room for `capacity`. */
export function grownColumns(old: CacheColumns, capacity: number): CacheColumns {
  const next = allocateColumns(capacity, old.keys);
  next.count = old.count;
  next.rowHash.set(old.rowHash);
  next.runId.set(old.runId);
  next.seconds.set(old.seconds);
  next.nanos.set(old.nanos);
  next.epoch.set(old.epoch);
  return next;
}

/**
 * The `live` entries `alive` marks, and only the epochs they refer to, renumbered; in the
 * order `order` gives (the indexes of every live entry), else as they are.
 */
export function compactColumns(
  c: CacheColumns,
  alive: Uint8Array,
  live: number,
  allEpochs: readonly Epoch[],
  identity: Omit<CacheMeta, "epochs">,
  order?: Uint32Array,
): CacheData {
  const renumber = new Map<number, number>();
  const epochs: Epoch[] = [];
  const epochOf = (e: number) => {
    let to = renumber.get(e);
    if (to === undefined) {
      to = epochs.push(allEpochs[e]!) - 1;
      renumber.set(e, to);
    }
    return to;
  };
  const meta = { ...identity, epochs };
  if (live === c.count && order === undefined) {
    // Every entry is live (a night that dropped none): the columns as they are.
    const epoch = new Uint16Array(live);
    for (let i = 0; i < live; i++) epoch[i] = epochOf(c.epoch[i]!);
    return { meta, columns: { ...c, epoch } };
  }
  const out = allocateColumns(live, new KeyTable(live, c.keys.allBytes.length));
  let n = 0;
  const total = order?.length ?? c.count;
  for (let k = 0; k < total; k++) {
    const i = order === undefined ? k : order[k]!;
    if (!alive[i]) continue;
    out.keys.addFrom(c.keys, i);
    out.rowHash[n] = c.rowHash[i]!;
    out.runId.set(c.runId.subarray(i * 16, i * 16 + 16), n * 16);
    out.seconds[n] = c.seconds[i]!;
    out.nanos[n] = c.nanos[i]!;
    out.epoch[n] = epochOf(c.epoch[i]!);
    n++;
  }
  out.count = n;
  return { meta, columns: out };
}

/**
 * The order a save writes the entries in: each file's together (place), then the others. It
 * stays "as they lie" (no order array, no copy of the columns) while the files placed are the
 * entries from 0 on, one after the other: a night that changed nothing, or only rows.
 */
export class EntryOrder {
  private n = 0;
  /** Made once a file's entries are not the next ones. */
  private placed: Uint8Array | undefined;
  private order: Uint32Array | undefined;

  constructor(
    private readonly count: number,
    private readonly live: number,
    private readonly alive: Uint8Array,
  ) {}

  /** How many entries are placed. */
  get placedCount(): number {
    return this.n;
  }

  /** Places the `length` entries `at(k)` gives, when each is alive and not placed yet. */
  place(length: number, at: (k: number) => number): boolean {
    let next = this.placed === undefined;
    for (let k = 0; k < length; k++) {
      const i = at(k);
      if (i >= this.count || !this.alive[i] || this.isPlaced(i)) return false;
      next &&= i === this.n + k;
    }
    if (next) {
      this.n += length;
      return true;
    }
    const { placed, order } = this.ordered();
    for (let k = 0; k < length; k++) {
      placed[at(k)] = 1;
      order[this.n++] = at(k);
    }
    return true;
  }

  /** The order of every live entry, or undefined for as they lie. */
  finish(): Uint32Array | undefined {
    if (this.placed === undefined) return undefined;
    const { placed, order } = this;
    for (let i = 0; i < this.count; i++) if (this.alive[i] && !placed[i]) order![this.n++] = i;
    return order;
  }

  private isPlaced(i: number): boolean {
    return this.placed === undefined ? i < this.n : this.placed[i] === 1;
  }

  private ordered(): { placed: Uint8Array; order: Uint32Array } {
    if (this.placed === undefined) {
      this.placed = new Uint8Array(this.count).fill(1, 0, this.n);
      this.order = new Uint32Array(this.live);
      for (let i = 0; i < this.n; i++) this.order[i] = i;
    }
    return { placed: this.placed, order: this.order! };
  }
}
