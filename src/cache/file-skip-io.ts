import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { holdsSecretBytes } from "../core/secrets.js";
import { VERSION } from "../core/version.js";
import {
  CACHE_FILE_NAME,
  type CacheData,
  CacheFileError,
  decodeCache,
  readCacheFile,
} from "./cache-file.js";

/**
 * What the skipping of unchanged files (file-skips.ts) reads from disk: a manifest file's
 * digest, and the cache of an API before its organization is known.
 */

/**
 * What, besides a file's bytes and how it is read, decides what it reads as: this tool, and
 * the Node.js whose time-zone data places local times. A cache of another is not skipped by.
 */
export const READ_ENV = `${VERSION} node ${process.version} tz ${process.versions.tz ?? "?"}`;

export interface FileDigest {
  size: number;
  sha256: string;
  holdsSecret: boolean;
}

/** How many bytes of a file are hashed at a time (a file is never read whole into memory). */
const DIGEST_CHUNK = 1 << 20;
/** Bytes of the chunk before kept with the next, so that a secret across two chunks is found. */
const SECRET_OVERLAP = 1024;

/** A file's size and SHA-256, and whether it holds a known secret (secrets.ts). */
export async function digestFile(path: string): Promise<FileDigest> {
  const handle = await open(path, "r");
  try {
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(SECRET_OVERLAP + DIGEST_CHUNK);
    let size = 0;
    let kept = 0;
    let holdsSecret = false;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, kept, DIGEST_CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(kept, kept + bytesRead));
      size += bytesRead;
      const window = buffer.subarray(0, kept + bytesRead);
      holdsSecret ||= holdsSecretBytes(window);
      kept = Math.min(SECRET_OVERLAP, window.length);
      window.copy(buffer, 0, window.length - kept);
    }
    return { size, sha256: hash.digest("hex"), holdsSecret };
  } finally {
    await handle.close();
  }
}

/**
 * The cache of `apiUrl` in `dir`, read before the organization is known: the only one for
 * this API, or the newest. Undefined when there is none (or it cannot be read: the session
 * says why, as it would have).
 */
export function loadFor(
  dir: string,
  apiUrl: string,
): { path: string; stamp: string; data: CacheData } | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => CACHE_FILE_NAME.test(name));
  } catch {
    return undefined;
  }
  const found: { path: string; stamp: string; data: CacheData; mtime: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const file = readCacheFile(path);
      if (file === undefined) continue;
      const data = decodeCache(file.bytes);
      // NOTE: one without file records too: its entries' lines may still be matched.
      if (data.meta.apiUrl !== apiUrl) continue;
      found.push({ path, stamp: file.stamp, data, mtime: statSync(path).mtimeMs });
    } catch (error) {
      if (!(error instanceof CacheFileError)) throw error;
    }
  }
  found.sort((a, b) => b.mtime - a.mtime);
  const newest = found[0];
  return newest && { path: newest.path, stamp: newest.stamp, data: newest.data };
}
