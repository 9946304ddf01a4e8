import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { openAtomicFile } from "../core/atomic-file.js";
import type { Store } from "./store.js";
import type { StoredAsset, StoredMetadataKey, StoredRun, StoredTag } from "./types.js";

/**
 * The snapshot half of `--state FILE`: FILE itself, one JSON document holding the whole
 * state, rewritten atomically (temporary file, fsync, rename) only when the state is
 * compacted. Version 2 names its journal (`journalId`); version 1, the whole-document format
 * every write used to rewrite, has none and is still read.
 */

const SNAPSHOT_VERSION = 2;
const READABLE_VERSIONS = new Set([1, SNAPSHOT_VERSION]);

export interface Snapshot {
  version: number;
  /** The journal that continues this snapshot (its first line names it); absent in version 1. */
  journalId?: string;
  /** Tags (id, name); absent in files written before tags had ids (remade from their names). */
  tags?: StoredTag[];
  assets: StoredAsset[];
  metadataKeys: StoredMetadataKey[];
  runs: StoredRun[];
}

/** Reads the snapshot at `path`; a missing file is `undefined` (an empty state). */
export async function readSnapshot(path: string): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let doc: Snapshot;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`state file ${path} is not valid JSON`, { cause: error });
  }
  if (
    !READABLE_VERSIONS.has(doc?.version) ||
    (doc.journalId !== undefined && typeof doc.journalId !== "string") ||
    (doc.tags !== undefined && !Array.isArray(doc.tags)) ||
    !Array.isArray(doc.assets) ||
    !Array.isArray(doc.metadataKeys) ||
    !Array.isArray(doc.runs)
  ) {
    throw new Error(
      `state file ${path} is not an emulator state (version ${[...READABLE_VERSIONS].join(" or ")})`,
    );
  }
  return doc;
}

/** Puts the snapshot's records into the empty `store`. */
export function restoreSnapshot(snapshot: Snapshot, store: Store): void {
  for (const tag of snapshot.tags ?? []) store.restoreTag(tag);
  for (const asset of snapshot.assets) store.restoreAsset(asset);
  for (const key of snapshot.metadataKeys) store.restoreMetadataKey(key);
  for (const run of snapshot.runs) store.restoreRun(run);
}

/**
 * Writes the whole `store` to `path` atomically, naming `journalId` as its continuation:
 * a crash leaves either the old file or the new one, never a mix. The document has one
 * record per line, so it reads well and is written in chunks whatever the state's size.
 * NOTE: synchronous, like the project's other atomic files; it runs only on start and close,
 * when no request is being served.
 */
export async function writeSnapshot(path: string, store: Store, journalId: string): Promise<void> {
  const file = openAtomicFile(path, "the emulator state file");
  try {
    file.write(`{"version":${SNAPSHOT_VERSION},"journalId":${JSON.stringify(journalId)}`);
    const lists: [string, readonly object[]][] = [
      ["tags", store.tags],
      ["assets", store.assets],
      ["metadataKeys", store.metadataKeys],
      ["runs", store.runs],
    ];
    for (const [name, records] of lists) {
      file.write(`,\n"${name}":[`);
      for (let i = 0; i < records.length; i++) {
        file.write(`${i === 0 ? "\n" : ",\n"}${JSON.stringify(records[i])}`);
      }
      file.write("]");
    }
    file.write("}\n");
    file.commit();
  } finally {
    file.abort();
  }
  await syncDirectory(dirname(path));
}

/**
 * Makes a rename or a new file in `dir` durable. NOTE: Windows cannot open a directory;
 * there, NTFS journals the rename itself.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch (error) {
    if (["EISDIR", "EPERM", "EACCES"].includes((error as NodeJS.ErrnoException).code ?? "")) return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
