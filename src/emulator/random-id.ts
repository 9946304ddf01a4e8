import { randomFillSync } from "node:crypto";

/**
 * Random version-4 UUIDs as flat strings. `crypto.randomUUID()` builds its string by
 * concatenation, and V8 keeps such a string as a tree of ~16 pieces: half a kilobyte per
 * id, which matters once a benchmark loads a million runs.
 */

const POOL_IDS = 1024;
const pool = Buffer.alloc(16 * POOL_IDS);
let offset = pool.length;
const text = Buffer.alloc(36);
const HEX = Buffer.from("0123456789abcdef", "latin1");

export function randomId(): string {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[j++] = 0x2d; // "-"
    let byte = pool[offset + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    text[j++] = HEX[byte >> 4]!;
    text[j++] = HEX[byte & 0x0f]!;
  }
  offset += 16;
  return text.toString("latin1");
}
