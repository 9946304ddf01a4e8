import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { openAtomicFile } from "../core/atomic-file.js";
import type { Store } from "./store.js";
import type { StoredAsset, StoredMetadataKey, StoredRun, StoredTag } from "./types.js";

/**
 * The snapshot half of `--state FILE`: FILE itself, one JSON document holding the whole
 * state, rewritten atomically (temporary file, fsync, rename) only when the state is
 * compacted. Version 3 names its journal (`journalId`) and the journal it was compacted from
 * (`compactedFrom`), and ends with the number of records of each list and a checksum of
 * every byte before them:
 *
 *     {"version":3,"journalId":"…","compactedFrom":"…",
 *     "tags":[…],
 *     …
 *     "runs":[
 *     {…},
 *     {…}],
 *     "counts":{"tags":1,"assets":2,"metadataKeys":3,"runs":2},"checksum":"sha256:…"}
 *
 * Version 2 (a `journalId`, no counts) and version 1 (the whole-document format every write
 * used to rewrite) are still read, unchecked, and upgraded on start.
 */

const SNAPSHOT_VERSION = 3;
const READABLE_VERSIONS = new Set([1, 2, SNAPSHOT_VERSION]);
const LISTS = ["tags", "assets", "metadataKeys", "runs"] as const;
type ListName = (typeof LISTS)[number];
/** Where the trailer starts: the checksum covers every byte before it. */
const TRAILER = ',\n"counts":';
const TRAILER_BYTES = Buffer.from(TRAILER);

export interface Snapshot {
  version: number;
  /** The journal that continues this snapshot (its first line names it); absent in version 1. */
  journalId?: string;
  /**
   * The journal whose records this snapshot took in when it was written (the previous
   * snapshot's `journalId`): a journal still naming it was compacted already. Version 3.
   */
  compactedFrom?: string;
  /** Tags (id, name); absent in files written before tags had ids (remade from their names). */
  tags?: StoredTag[];
  assets: StoredAsset[];
  metadataKeys: StoredMetadataKey[];
  runs: StoredRun[];
  /** Version 3: the number of records in each list, checked on reading. */
  counts?: Record<ListName, number>;
  /** Version 3: `sha256:` + the hex digest of every byte before `,\n"counts":`. */
  checksum?: string;
}

/**
 * Reads the snapshot at `path`; a missing file is `undefined` (an empty state). A file that
 * is not a state, or whose counts or checksum do not match its content, is an error naming it.
 */
export async function readSnapshot(path: string): Promise<Snapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let doc: Snapshot;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new Error(`state file ${path} is not valid JSON`, { cause: error });
  }
  if (
    !READABLE_VERSIONS.has(doc?.version) ||
    !isOptionalString(doc.journalId) ||
    !isOptionalString(doc.compactedFrom) ||
    (doc.tags !== undefined && !Array.isArray(doc.tags)) ||
    !Array.isArray(doc.assets) ||
    !Array.isArray(doc.metadataKeys) ||
    !Array.isArray(doc.runs)
  ) {
    throw new Error(
      `state file ${path} is not an emulator state (version ${[...READABLE_VERSIONS].join(", ")})`,
    );
  }
  if (doc.version === SNAPSHOT_VERSION) checkIntegrity(doc, bytes, path);
  return doc;
}

/**
 * Version 3: the counts and the checksum must match. A file without both (its trailer
 * removed after editing it by hand) is read unchecked; a damaged file is refused.
 */
function checkIntegrity(doc: Snapshot, bytes: Buffer, path: string): void {
  if (doc.counts === undefined && doc.checksum === undefined) return;
  const damaged = (why: string) =>
    new Error(
      `state file ${path} is damaged: ${why}; restore it from a copy (or, after editing it by hand on purpose, remove its "counts" and "checksum")`,
    );
  for (const list of LISTS) {
    const held = doc[list]?.length ?? 0;
    const counted = doc.counts?.[list];
    if (counted !== held) {
      throw damaged(`it holds ${held} ${list} where its counts say ${String(counted)}`);
    }
  }
  const end = bytes.lastIndexOf(TRAILER_BYTES);
  if (end === -1 || typeof doc.checksum !== "string") {
    throw damaged('its "counts" and "checksum" are not where the emulator writes them');
  }
  const actual = `sha256:${createHash("sha256").update(bytes.subarray(0, end)).digest("hex")}`;
  if (actual !== doc.checksum) {
    throw damaged(`its checksum is ${actual}, not the ${doc.checksum} it records`);
  }
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}

/** Puts the snapshot's records into the empty `store`. */
export function restoreSnapshot(snapshot: Snapshot, store: Store): void {
  for (const tag of snapshot.tags ?? []) store.restoreTag(tag);
  for (const asset of snapshot.assets) store.restoreAsset(asset);
  for (const key of snapshot.metadataKeys) store.restoreMetadataKey(key);
  for (const run of snapshot.runs) store.restoreRun(run);
}

/** The ids a snapshot is written with: its own journal's, and the journal it takes in. */
export interface SnapshotIds {
  journalId: string;
  compactedFrom?: string;
}

/**
 * Writes the whole `store` to `path` atomically: a crash leaves either the old file or the
 * new one, never a mix. The document has one record per line, so it reads well and is
 * written in chunks whatever the state's size.
 * NOTE: synchronous, like the project's other atomic files; it runs only on start and close,
 * when no request is being served.
 */
export async function writeSnapshot(path: string, store: Store, ids: SnapshotIds): Promise<void> {
  const file = openAtomicFile(path, "the emulator state file");
  const hash = createHash("sha256");
  const write = (text: string) => {
    hash.update(text);
    file.write(text);
  };
  try {
    const head: Record<string, unknown> = { version: SNAPSHOT_VERSION, ...ids };
    write(JSON.stringify(head).slice(0, -1));
    const counts = {} as Record<ListName, number>;
    for (const list of LISTS) {
      const records: readonly object[] = store[list];
      counts[list] = records.length;
      write(`,\n"${list}":[`);
      for (let i = 0; i < records.length; i++) {
        write(`${i === 0 ? "\n" : ",\n"}${JSON.stringify(records[i])}`);
      }
      write("]");
    }
    const checksum = `sha256:${hash.digest("hex")}`;
    file.write(`${TRAILER}${JSON.stringify(counts)},"checksum":"${checksum}"}\n`);
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
