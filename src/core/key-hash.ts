/**
 * The pieces of the open-addressing tables that hold clientKeys as UTF-8 bytes (the manifest's
 * duplicate check, the sync cache's keys) and of `--shard`: one hash, FNV-1a (32-bit), quick and
 * spreading similar keys (`tv-0001`, `tv-0002`) well. A hot loop over an ASCII key's char codes
 * may fold FNV_OFFSET and FNV_PRIME itself: for ASCII, the same hash as over its bytes.
 */

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over `bytes[from..to)`, as an int32 (`>>> 0` for the unsigned value). */
export function fnv1a(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

/** A copy of `array` of `length` elements (more than it has): a table's arrays growing. */
export function resized<T extends Uint8Array | Uint32Array | Int32Array>(
  array: T,
  length: number,
): T {
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}
