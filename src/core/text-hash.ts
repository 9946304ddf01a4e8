/**
 * NOTE: called as `charCodeAt.call(value, i)`, not `value.charCodeAt(i)`: V8 keeps one cache of
 * receiver maps per property access, and every kind of string is a map of its own. A sync hands
 * this loop five (cut from a file's chunks, copied, internalized, thin, and the seed's
 * JSON.stringify, a cons string): past four, `value.charCodeAt` and `value.length` become generic
 * lookups and a call for every character, 2.7 times the cost of the whole hash (5.4 against 2.0 µs
 * a row). The call's target is one function, whatever the string.
 */
const charCodeAt = String.prototype.charCodeAt;

/** A number's two 32-bit halves (Lanes.number). */
const FLOAT = new Float64Array(1);
const WORDS = new Int32Array(FLOAT.buffer);

/**
 * A 53-bit hash in two lanes of multiply-xor (as cyrb53): what the sync cache keeps of a row
 * (cache/row-hash.ts) and of a manifest line (hashLine). Not cryptographic.
 */
export class Lanes {
  private h1: number;
  private h2: number;
  constructor(seed: number) {
    this.h1 = 0xdeadbeef ^ (seed >>> 0);
    this.h2 = 0x41c6ce57 ^ Math.floor(seed / 0x100000000);
  }
  mark(n: number): void {
    this.h1 = Math.imul(this.h1 ^ (n + 0x10000), 2654435761);
    this.h2 = Math.imul(this.h2 ^ (n + 0x10000), 1597334677);
  }
  /** A string or its absence, told apart from "" and from the next field. */
  text(value: string | undefined): void {
    if (value === undefined) {
      this.mark(3);
      return;
    }
    let { h1, h2 } = this;
    const length = value.length;
    for (let i = 0; i < length; i++) {
      const ch = charCodeAt.call(value, i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    this.mark(value.length + 4);
  }
  /** A number by its 64 bits, not its text: String() allocates one for every value. */
  number(value: number): void {
    FLOAT[0] = value;
    this.word(WORDS[0]!);
    this.word(WORDS[1]!);
  }
  private word(n: number): void {
    this.h1 = Math.imul(this.h1 ^ n, 2654435761);
    this.h2 = Math.imul(this.h2 ^ n, 1597334677);
  }
  digest(): number {
    let { h1, h2 } = this;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}

/**
 * A 53-bit hash of a record's text as the file holds it (a CSV line), under `seed` (what the
 * file's header and reading make of such a text: lineSeed). Never 0, which stands for none.
 */
export function hashLine(text: string, seed: number): number {
  const h = new Lanes(seed);
  h.text(text);
  return h.digest() || 1;
}

/** The seed of hashLine for the records under one header, read one way (`parts`). */
export function lineSeed(...parts: string[]): number {
  const h = new Lanes(0x11e5);
  for (const part of parts) h.text(part);
  return h.digest();
}
