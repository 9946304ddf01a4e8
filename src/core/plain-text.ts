/**
 * Batches of items read from text that is all below U+0300, so NFC already: the CSV readers
 * test each decoded chunk once (one regex scan, native), and normalize-spec.ts skips such a
 * batch instead of testing every text of every run (bench/manifest.mjs --mapped: that second
 * pass cost about 5 % of a validate). A WeakSet, so a batch carries no field and is not kept.
 */
const PLAIN = new WeakSet<object>();

/** Marks `batch`, whose every text comes from text that is below U+0300. */
export function markPlain(batch: object): void {
  PLAIN.add(batch);
}

export function isPlain(batch: object): boolean {
  return PLAIN.has(batch);
}
