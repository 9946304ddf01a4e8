import type { CacheColumns, CacheData, CacheMeta, Epoch, NameSet } from "./cache-file.js";
import type { Selection } from "./cache-write.js";
import { KeyTable } from "./key-table.js";

/** Room for `capacity` entries (the keys' table grows by itself). */
export function allocateColumns(capacity: number, keys = new KeyTable(capacity)): CacheColumns {
  return {
    count: 0,
    keys,
    rowHash: new Float64Array(capacity),
    lineHash: new Float64Array(capacity),
    runId: new Uint8Array(capacity * 16),
    seconds: new Uint32Array(capacity),
    nanos: new Uint32Array(capacity),
    epoch: new Uint16Array(capacity),
    names: new Uint16Array(capacity),
  };
}

/** The same entries, with room for `capacity`. */
export function grownColumns(old: CacheColumns, capacity: number): CacheColumns {
  const next = allocateColumns(capacity, old.keys);
  next.count = old.count;
  next.rowHash.set(old.rowHash);
  next.lineHash.set(old.lineHash);
  next.runId.set(old.runId);
  next.seconds.set(old.seconds);
  next.nanos.set(old.nanos);
  next.epoch.set(old.epoch);
  next.names.set(old.names);
  return next;
}

/**
 * What a save writes: the `live` entries `alive` marks, in the order `order` gives (the indexes
 * of every live entry), else as they are; only the epochs and name sets they refer to,
 * renumbered. The columns are not copied: the file is written from them through the
 * selection (cache-write.ts).
 */
export function selectEntries(
  c: CacheColumns,
  alive: Uint8Array,
  live: number,
  allEpochs: readonly Epoch[],
  identity: Omit<CacheMeta, "epochs">,
  order?: Uint32Array,
  allNameSets: readonly NameSet[] = [],
): { data: CacheData; selection: Selection } {
  let written = order;
  if (written === undefined && live < c.count) {
    written = new Uint32Array(live);
    for (let i = 0, n = 0; i < c.count; i++) if (alive[i]) written[n++] = i;
  }
  const epochs: Epoch[] = [];
  const nameSets: NameSet[] = [];
  // New number + 1 per old epoch, 0 while none of its entries was met.
  const epochOf = new Uint16Array(allEpochs.length);
  // New number + 1 per old set (its column's value - 1), 0 while none was met: 0 stays 0.
  const namesOf = new Uint16Array(allNameSets.length + 1);
  const n = written?.length ?? c.count;
  for (let k = 0; k < n; k++) {
    const i = written === undefined ? k : written[k]!;
    const e = c.epoch[i]!;
    if (epochOf[e] === 0) epochOf[e] = epochs.push(allEpochs[e]!);
    const s = c.names[i]!;
    if (s > 0 && namesOf[s] === 0) namesOf[s] = nameSets.push(allNameSets[s - 1]!);
  }
  for (let e = 0; e < epochOf.length; e++) epochOf[e] = epochOf[e]! - 1;
  return {
    data: { meta: { ...identity, epochs, ...(nameSets.length > 0 && { nameSets }) }, columns: c },
    selection: { order: written, epochOf, namesOf },
  };
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
