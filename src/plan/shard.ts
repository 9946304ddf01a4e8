import { fnv1a } from "../core/key-hash.js";

export interface Shard {
  /** 1-based: shard K of N. */
  index: number;
  count: number;
}

/**
 * The shard (1..count) a clientKey belongs to: FNV-1a (32-bit) over its UTF-8 bytes, modulo
 * count, plus one. Stable across machines, runs and versions, so N jobs given `--shard K/N`
 * split one manifest with no overlap and no gap.
 */
export function shardOf(clientKey: string, count: number): number {
  return ((fnv1a(Buffer.from(clientKey, "utf8")) >>> 0) % count) + 1;
}
