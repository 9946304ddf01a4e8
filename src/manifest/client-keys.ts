import { FNV_OFFSET, FNV_PRIME, fnv1a, resized } from "../core/key-hash.js";
import type { Source } from "./spec.js";
import { quote } from "./values.js";

const INITIAL_ENTRIES = 1024;
const INITIAL_ARENA_BYTES = 64 * 1024;
const EMPTY = -1;
/** The arena's room beyond its keys once the validating pass is over (a probe's bytes, new keys). */
const REREAD_ROOM = 1 << 20;

/**
 * Keys known before any is read, each once (the sync cache's, cache/key-table.ts): the
 * registry keeps the place of such a key by its index here rather than a copy of its bytes.
 */
export interface KnownKeys {
  /** The keys at indexes 0 to count - 1 (the set may grow later: those past it are not used). */
  readonly count: number;
  /** The index of `key`, or -1. */
  find(key: string): number;
  keyAt(index: number): string;
}

/**
 * Known keys the registry adds every key it meets to (a first night's sync cache, which records
 * the same keys: cache/key-table.ts), so that they are held once. Indexes never move.
 */
export interface SharedKeys extends KnownKeys {
  /** Adds a key the set does not hold; returns its index. */
  add(key: string): number;
}

/**
 * The clientKeys seen so far in one invocation, to find duplicates across all inputs.
 *
 * This is the one structure that grows with the input (a million keys for a backfill), so it
 * is an open-addressing hash table over typed arrays rather than a `Map<string, ...>`:
 * keys are kept as UTF-8 bytes in one arena, their places as numbers. A Map of a million
 * strings cost twice the memory and, through the garbage collector, about 2 seconds per
 * million rows; this costs a fraction of that. At a million keys of 19 bytes: the arena 19 MB,
 * the slots 8 MB, the starts and lines 4 MB each. With the sync cache's keys known
 * (KnownKeys), a key it holds costs 4 bytes of index instead of its bytes and slots: on a
 * warm night, 12 MB instead of 36 MB at a million keys.
 */
export class ClientKeyRegistry {
  private arena = Buffer.allocUnsafe(INITIAL_ARENA_BYTES);
  private arenaUsed = 0;
  /**
   * Per entry: where its bytes start in the arena (entry i ends where i + 1 starts); not kept
   * with shared keys (no entry has bytes here).
   */
  private starts = new Uint32Array(INITIAL_ENTRIES + 1);
  private lines = new Uint32Array(INITIAL_ENTRIES);
  /** The entries' room: a power of two, `entryBits` of it. */
  private capacity = INITIAL_ENTRIES;
  private entryBits = Math.log2(INITIAL_ENTRIES);
  /** Entries, in the order their keys were first met: their places (and bytes, if not known). */
  private count = 0;
  /**
   * Per slot, EMPTY when free, else its entry in the low `entryBits` bits and above them a tag:
   * bits of the key's hash that its slot number does not hold, so that a probe compares the
   * bytes of a key whose tag matches only. NOTE: the tag replaced an array of the entries'
   * hashes (4 MB at a million keys); growing hashes the keys' bytes again instead.
   * Only the keys not known (KnownKeys) have slots, twice as many slots as such keys at most.
   */
  private slots = new Int32Array(INITIAL_ENTRIES * 2).fill(EMPTY);
  /** The slots' count: a power of two, `slotBits` of it. */
  private slotBits = Math.log2(INITIAL_ENTRIES * 2);
  /** Entries in `slots`. */
  private slotted = 0;
  /**
   * The known keys used (those below knownCount; with `shared`, all: every key is added), and
   * the entry of each, EMPTY while unmet.
   */
  private readonly known: KnownKeys | undefined;
  private readonly shared: SharedKeys | undefined;
  private readonly knownCount: number;
  private knownEntries: Int32Array | undefined;
  private readonly files: string[] = [];
  /**
   * The entries' files as runs, since files are read one after another: run r holds the
   * entries from runStarts[r] of files[runFiles[r]] (an array of a file per entry took 4 MB at
   * a million keys).
   */
  private runStarts: number[] = [];
  private runFiles: number[] = [];
  /**
   * The texts sanitized keys were made from (`sanitize: true`), as UTF-8 in their own arena,
   * entry i's from originStarts[i] to originStarts[i + 1] (empty: the key is its own text).
   * Allocated at the first such key: manifests never need it.
   */
  private origins: { arena: Buffer; used: number; starts: Uint32Array } | undefined;

  /** After the validating pass: a key found again at the very place it was recorded is that row. */
  private rereading = false;
  /** Duplicates the validating pass met. */
  private duplicates = 0;

  /**
   * `known`: keys whose places are kept by their index there (see KnownKeys); `shared`: keys to
   * add every key to, and keep each one's place by its index there (see SharedKeys).
   */
  constructor(keys: { known?: KnownKeys; shared?: SharedKeys } = {}) {
    const known = keys.shared ?? keys.known;
    this.knownCount = keys.shared ? Infinity : (known?.count ?? 0);
    if (known !== undefined && this.knownCount > 0) {
      this.known = known;
      this.shared = keys.shared;
      this.knownEntries = new Int32Array(Math.max(known.count, INITIAL_ENTRIES)).fill(EMPTY);
    }
  }

  get size(): number {
    return this.count;
  }

  /**
   * The passes after the validating one read the same rows again: a key at the place it was
   * recorded is no duplicate, one at another place still is (the message names the same
   * earlier place). One registry for every pass: a million keys are not recorded three times.
   */
  startRereading(): void {
    this.rereading = true;
    // NOTE: the arena doubled as the first pass grew it: a million keys of 19 bytes left 14 MB
    // unused through the rest of the sync, when its memory peaks. Room for a probe is kept.
    const room = this.arenaUsed + REREAD_ROOM;
    if (room < this.arena.length * 0.9) {
      const trimmed = Buffer.allocUnsafe(room);
      this.arena.copy(trimmed, 0, 0, this.arenaUsed);
      this.arena = trimmed;
    }
  }

  /**
   * A pass after the validating one, which met no duplicate: every key of the same rows is at
   * its recorded place (a row that moved still is a duplicate, and `add` says so).
   */
  get rereadsWithoutDuplicates(): boolean {
    return this.rereading && this.duplicates === 0;
  }

  /**
   * Records `clientKey` at `source`; returns a message when it was already defined. `original`:
   * the text the key was sanitized from, named in that message (both rows' texts).
   */
  add(clientKey: string, source: Source, original?: string): string | undefined {
    if (this.knownEntries !== undefined) {
      const index = this.knownIndex(clientKey);
      if (index >= 0) return this.addKnown(index, clientKey, source, original);
    }
    // Write the key's bytes at the end of the arena: kept if new, forgotten if not.
    this.reserveArena(clientKey.length * 3);
    const start = this.arenaUsed;
    const arena = this.arena;
    // An ASCII key (the usual one) is copied and hashed in one loop: Buffer#write costs a
    // call into C++ per key. Both ways store and hash the same UTF-8 bytes.
    let length = clientKey.length;
    let hash = FNV_OFFSET;
    for (let i = 0; i < length; i++) {
      const c = clientKey.charCodeAt(i);
      if (c >= 0x80) {
        length = arena.write(clientKey, start, "utf8");
        hash = fnv1a(arena, start, start + length);
        break;
      }
      arena[start + i] = c;
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    hash |= 0; // an int32 like the Int32Array it is stored in, also for an empty key
    const slot = this.slotOf(hash, start, length);
    const value = this.slots[slot]!;
    if (value === EMPTY) {
      this.insert(slot, hash, length, source, original);
      return undefined;
    }
    return this.metAgain(this.entryOf(value), clientKey, source, original);
  }

  /** add of a key KnownKeys holds at `index`. */
  private addKnown(
    index: number,
    clientKey: string,
    source: Source,
    original: string | undefined,
  ): string | undefined {
    if (index >= this.knownEntries!.length) this.growKnown(index);
    const entry = this.knownEntries![index]!;
    if (entry !== EMPTY) return this.metAgain(entry, clientKey, source, original);
    this.knownEntries![index] = this.newEntry(0, source, original);
    return undefined;
  }

  /** A key met again, whose entry is `entry`: a duplicate, unless it is that row read again. */
  private metAgain(
    entry: number,
    clientKey: string,
    source: Source,
    original: string | undefined,
  ): string | undefined {
    if (this.rereading && this.isPlace(entry, source)) return undefined;
    if (!this.rereading) this.duplicates++;
    return this.duplicateMessage(entry, clientKey, original);
  }

  /** The index of `clientKey` among the known keys used, or -1 (`add`: a shared key is added). */
  private knownIndex(clientKey: string, add = true): number {
    const index = this.known!.find(clientKey);
    if (index < 0 && add && this.shared !== undefined) return this.shared.add(clientKey);
    return index < this.knownCount ? index : -1;
  }

  /** Room in knownEntries for `index` (shared keys grow). */
  private growKnown(index: number): void {
    const had = this.knownEntries!.length;
    let length = had;
    while (length <= index) length *= 2;
    this.knownEntries = resized(this.knownEntries!, length).fill(EMPTY, had);
  }

  /**
   * Whether `clientKey` is recorded at `source` (that row is an entry of `recorded`). A lookup,
   * for the rare rows that need it (an invalid row: a duplicate is not recorded again).
   */
  isRecordedAt(clientKey: string, source: Source): boolean {
    if (this.knownEntries !== undefined) {
      const index = this.knownIndex(clientKey, false);
      if (index >= 0) {
        const entry = index < this.knownEntries.length ? this.knownEntries[index]! : EMPTY;
        return entry !== EMPTY && this.isPlace(entry, source);
      }
      if (this.shared !== undefined) return false; // every key met is a shared one
    }
    // The key's bytes at the end of the arena, as `add` writes them, and not kept.
    this.reserveArena(clientKey.length * 3);
    const start = this.arenaUsed;
    const length = this.arena.write(clientKey, start, "utf8");
    const hash = fnv1a(this.arena, start, start + length) | 0;
    const value = this.slots[this.slotOf(hash, start, length)]!;
    return value !== EMPTY && this.isPlace(this.entryOf(value), source);
  }

  /**
   * The slot of the key whose bytes lie at `start` in the arena (past its used part), or the
   * empty slot where it would go.
   */
  private slotOf(hash: number, start: number, length: number): number {
    const mask = this.slots.length - 1;
    const entryMask = this.capacity - 1;
    const tag = this.tagOf(hash);
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const value = this.slots[slot]!;
      if (value === EMPTY) return slot;
      if ((value & ~entryMask) === tag && this.sameBytes(value & entryMask, start, length)) {
        return slot;
      }
    }
  }

  /**
   * The tag of a key's hash, in place above the entry bits (the shift leaves those zero): the
   * hash's bits above the slot number's, as many as fit below the sign bit (EMPTY is negative).
   */
  private tagOf(hash: number): number {
    return ((hash >>> this.slotBits) << this.entryBits) & 0x7fffffff;
  }

  /** The entry a slot's value names (below its tag). */
  private entryOf(value: number): number {
    return value & (this.capacity - 1);
  }

  /** Every key recorded (the first `upTo`), in the order it was first met, with its place. */
  *recorded(upTo = this.count): Generator<{ clientKey: string; file: string; line: number }> {
    // The known index of each entry that has one (a rare path: after a stop).
    const knownOf = new Int32Array(this.knownEntries === undefined ? 0 : this.count).fill(EMPTY);
    this.knownEntries?.forEach((entry, index) => {
      if (entry !== EMPTY) knownOf[entry] = index;
    });
    for (let entry = 0; entry < Math.min(upTo, this.count); entry++) {
      const index = knownOf.length > 0 ? knownOf[entry]! : EMPTY;
      yield {
        clientKey:
          index === EMPTY
            ? this.arena.toString("utf8", this.starts[entry]!, this.starts[entry + 1]!)
            : this.known!.keyAt(index),
        file: this.fileOf(entry),
        line: this.lines[entry]!,
      };
    }
  }

  private isPlace(entry: number, source: Source): boolean {
    return this.lines[entry] === source.line && this.fileOf(entry) === source.file;
  }

  /** The file of an entry: its run's, found from the last run back (the usual: the last). */
  private fileOf(entry: number): string {
    const starts = this.runStarts;
    let run = starts.length - 1;
    if (entry < starts[run]!) {
      // Binary search: the last run starting at or before `entry`.
      let low = 0;
      let high = run;
      while (low < high) {
        const middle = (low + high + 1) >>> 1;
        if (starts[middle]! <= entry) low = middle;
        else high = middle - 1;
      }
      run = low;
    }
    return this.files[this.runFiles[run]!]!;
  }

  /** Apart from add, which runs for every row: small enough for V8 to inline into its caller. */
  private duplicateMessage(entry: number, clientKey: string, original: string | undefined): string {
    const file = this.fileOf(entry);
    const earlier = this.originOf(entry);
    if (original === undefined && earlier === undefined) {
      return `${quote(clientKey)} is also defined at ${file}:${this.lines[entry]}`;
    }
    // NOTE: keys sanitized into one: the texts tell the user which rows collide and why.
    const from = (text: string | undefined) =>
      text === undefined ? "as it is" : `sanitized from ${quote(text)}`;
    return `${quote(clientKey)} (${from(original)}) is also defined at ${file}:${this.lines[entry]} (${from(earlier)})`;
  }

  private insert(
    slot: number,
    hash: number,
    length: number,
    source: Source,
    original: string | undefined,
  ): void {
    // NOTE: the slot first: newEntry may grow the slots, which re-places this one with the rest.
    this.slots[slot] = this.tagOf(hash) | this.count;
    this.slotted++;
    this.newEntry(length, source, original);
    if (this.slotted * 2 >= this.slots.length) this.reslot(this.slotBits + 1, this.entryBits);
  }

  /** The next entry, at `source`, whose bytes (`length` of them) end the arena's used part. */
  private newEntry(length: number, source: Source, original: string | undefined): number {
    const entry = this.count++;
    if (original !== undefined || this.origins !== undefined) this.keepOrigin(entry, original);
    const file = this.fileIndex(source.file);
    if (this.runFiles[this.runFiles.length - 1] !== file) {
      this.runStarts.push(entry);
      this.runFiles.push(file);
    }
    this.lines[entry] = source.line;
    this.arenaUsed += length;
    // NOTE: with shared keys no key has bytes here: 4 MB of starts a million keys would be 0.
    if (this.shared === undefined) this.starts[entry + 1] = this.arenaUsed;
    // Grown once the entry arrays are full, not after: entry `capacity` would fall off their end.
    if (this.count === this.capacity) this.grow();
    return entry;
  }

  private keepOrigin(entry: number, original: string | undefined): void {
    this.origins ??= {
      arena: Buffer.allocUnsafe(INITIAL_ARENA_BYTES),
      used: 0,
      starts: new Uint32Array(this.capacity + 1),
    };
    const origins = this.origins;
    if (origins.starts.length < this.capacity + 1) {
      origins.starts = resized(origins.starts, this.capacity + 1);
    }
    // Entries before the first original keep empty ranges: their starts are 0, as `used` was.
    if (original !== undefined) {
      const bytes = Buffer.byteLength(original, "utf8");
      if (origins.used + bytes > origins.arena.length) {
        const bigger = Buffer.allocUnsafe(Math.max(origins.arena.length * 2, origins.used + bytes));
        origins.arena.copy(bigger, 0, 0, origins.used);
        origins.arena = bigger;
      }
      origins.arena.write(original, origins.used, "utf8");
      origins.used += bytes;
    }
    origins.starts[entry + 1] = origins.used;
  }

  private originOf(entry: number): string | undefined {
    const origins = this.origins;
    if (origins === undefined || entry + 1 >= origins.starts.length) return undefined;
    const from = origins.starts[entry]!;
    const to = origins.starts[entry + 1]!;
    return to > from ? origins.arena.toString("utf8", from, to) : undefined;
  }

  private sameBytes(entry: number, start: number, length: number): boolean {
    const from = this.starts[entry]!;
    const to = this.starts[entry + 1]!;
    return (
      to - from === length && this.arena.compare(this.arena, start, start + length, from, to) === 0
    );
  }

  private reserveArena(bytes: number): void {
    if (this.arenaUsed + bytes <= this.arena.length) return;
    // Rereading, a key is new only where a row changed since: the arena grows by a little.
    const grown = this.rereading ? this.arena.length + REREAD_ROOM : this.arena.length * 2;
    const bigger = Buffer.allocUnsafe(Math.max(grown, this.arenaUsed + bytes));
    this.arena.copy(bigger, 0, 0, this.arenaUsed);
    this.arena = bigger;
  }

  /** Doubles the entry arrays; the slots' entry bits grow with them. */
  private grow(): void {
    const capacity = this.capacity * 2;
    this.capacity = capacity;
    if (this.shared === undefined) this.starts = resized(this.starts, capacity + 1);
    this.lines = resized(this.lines, capacity);
    this.reslot(this.slotBits, this.entryBits + 1);
  }

  /** New slots, 2^slotBits of them for entries of entryBits, re-placed by their keys' hashes. */
  private reslot(slotBits: number, entryBits: number): void {
    const old = this.slots;
    const oldEntryMask = (1 << this.entryBits) - 1;
    this.slotBits = slotBits;
    this.entryBits = entryBits;
    this.slots = new Int32Array(1 << slotBits).fill(EMPTY);
    const mask = this.slots.length - 1;
    const { arena, starts } = this;
    for (const value of old) {
      if (value === EMPTY) continue;
      const entry = value & oldEntryMask;
      const hash = fnv1a(arena, starts[entry]!, starts[entry + 1]!) | 0;
      let slot = hash & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = this.tagOf(hash) | entry;
    }
  }

  private fileIndex(file: string): number {
    // Files arrive one after another, so the last one is almost always the one.
    const last = this.files.length - 1;
    if (last >= 0 && this.files[last] === file) return last;
    const index = this.files.indexOf(file);
    if (index !== -1) return index;
    this.files.push(file);
    return this.files.length - 1;
  }
}
