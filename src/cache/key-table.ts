import { FNV_OFFSET, FNV_PRIME, fnv1a, resized } from "../core/key-hash.js";

/**
 * The sync cache's clientKeys: their UTF-8 bytes in one buffer, where each starts, and an
 * open-addressing hash table of their indexes. A million keys cost ~30 MB and no string, where
 * a string each and a Map of them cost ~120 MB and a string made per key from the file (see
 * docs/performance.md, "The sync cache").
 */
export class KeyTable {
  private bytes: Buffer;
  /** Key i is bytes[starts[i], starts[i + 1]). */
  private starts: Uint32Array;
  /** Key index + 1 per slot, 0 for an empty slot; at most half of the slots are used. */
  private slots: Int32Array;
  private size = 0;

  constructor(capacity = 1024, byteCapacity = capacity * 24) {
    this.bytes = Buffer.allocUnsafe(Math.max(byteCapacity, 64));
    this.starts = new Uint32Array(Math.max(capacity, 16) + 1);
    this.slots = new Int32Array(slotsFor(capacity));
  }

  /** The table of `count` keys whose UTF-8 lengths are `lengths`, laid end to end in `bytes`. */
  static of(bytes: Buffer, lengths: Uint8Array | Uint16Array, count: number): KeyTable {
    // NOTE: the bytes are used as they are (a view of the cache file: no copy of 20 MB); a key
    // added later grows them into a buffer of the table's own.
    const table = new KeyTable(count, 0);
    table.bytes = bytes;
    let at = 0;
    for (let i = 0; i < count; i++) {
      at += lengths[i]!;
      table.starts[i + 1] = at;
    }
    if (at !== bytes.length) throw new RangeError("the key lengths do not add up");
    table.size = count;
    for (let i = 0; i < count; i++)
      table.insert(i, fnv1a(table.bytes, table.starts[i]!, table.starts[i + 1]!));
    return table;
  }

  get count(): number {
    return this.size;
  }

  /** All keys' bytes, end to end. */
  get allBytes(): Buffer {
    return this.bytes.subarray(0, this.starts[this.size]);
  }

  byteLength(i: number): number {
    return this.starts[i + 1]! - this.starts[i]!;
  }

  /** Copies key i's bytes into `target` at `at`; returns their length. */
  copyKey(i: number, target: Uint8Array, at: number): number {
    const start = this.starts[i]!;
    const end = this.starts[i + 1]!;
    target.set(this.bytes.subarray(start, end), at);
    return end - start;
  }

  keyAt(i: number): string {
    return this.bytes.toString("utf8", this.starts[i], this.starts[i + 1]);
  }

  /** The index of `key`, or -1. */
  find(key: string): number {
    let h = FNV_OFFSET;
    for (let j = 0; j < key.length; j++) {
      const code = key.charCodeAt(j);
      if (code >= 0x80) return this.findUtf8(Buffer.from(key, "utf8"));
      h = Math.imul(h ^ code, FNV_PRIME);
    }
    const { slots, bytes, starts } = this;
    const mask = slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const i = slots[s]! - 1;
      if (i < 0) return -1;
      const start = starts[i]!;
      if (starts[i + 1]! - start !== key.length) continue;
      let j = 0;
      while (j < key.length && bytes[start + j] === key.charCodeAt(j)) j++;
      if (j === key.length) return i;
    }
  }

  /** The index of the key `other` holds at `i`, or -1. */
  findIn(other: KeyTable, i: number): number {
    return this.findUtf8(other.bytes.subarray(other.starts[i], other.starts[i + 1]));
  }

  /** Adds a key the table does not hold yet; returns its index. */
  add(key: string): number {
    return this.addUtf8(Buffer.from(key, "utf8"));
  }

  /** Adds the key `other` holds at `i` (not held yet); returns its index. */
  addFrom(other: KeyTable, i: number): number {
    return this.addUtf8(other.bytes.subarray(other.starts[i], other.starts[i + 1]));
  }

  private findUtf8(key: Buffer): number {
    const { slots, bytes, starts } = this;
    const mask = slots.length - 1;
    for (let s = fnv1a(key, 0, key.length) & mask; ; s = (s + 1) & mask) {
      const i = slots[s]! - 1;
      if (i < 0) return -1;
      const start = starts[i]!;
      const end = starts[i + 1]!;
      if (end - start === key.length && bytes.compare(key, 0, key.length, start, end) === 0)
        return i;
    }
  }

  private addUtf8(key: Buffer): number {
    const i = this.size;
    if (i + 2 > this.starts.length) this.starts = resized(this.starts, this.starts.length * 2);
    const start = this.starts[i]!;
    if (start + key.length > this.bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, start + key.length));
      this.bytes.copy(bytes, 0, 0, start);
      this.bytes = bytes;
    }
    key.copy(this.bytes, start);
    this.starts[i + 1] = start + key.length;
    this.size++;
    if (this.size * 2 > this.slots.length) this.rehash();
    else this.insert(i, fnv1a(key, 0, key.length));
    return i;
  }

  private insert(i: number, hash: number): void {
    const { slots } = this;
    const mask = slots.length - 1;
    let s = hash & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = i + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(slotsFor(this.size));
    for (let i = 0; i < this.size; i++)
      this.insert(i, fnv1a(this.bytes, this.starts[i]!, this.starts[i + 1]!));
  }
}

/** A power of two at least twice `count` (and 32). */
function slotsFor(count: number): number {
  let n = 32;
  while (n < count * 2 + 2) n *= 2;
  return n;
}
