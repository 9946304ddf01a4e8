import { readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomId } from "./random-id.js";
import {
  JournalWriter,
  journalPathOf,
  type Replay,
  replayJournal,
  type StateSync,
} from "./state-journal.js";
import { StateLock } from "./state-lock.js";
import {
  readSnapshot,
  restoreSnapshot,
  type Snapshot,
  syncDirectory,
  writeSnapshot,
} from "./state-snapshot.js";
import type { Store } from "./store.js";

/** The snapshot format this emulator writes; an older one is upgraded on start. */
const CURRENT_VERSION = 3;

/**
 * `--state FILE`: a snapshot (FILE, one JSON document) plus a journal (`FILE.journal`, JSON
 * Lines of the records each write changed), held by one emulator at a time (`FILE.lock`,
 * state-lock.ts). A write appends only its records, in a group commit, and is answered once
 * they are written (or, with `disk`, fsynced), so its cost does not grow with the state
 * and a killed emulator restarts with every write it answered. Start and close compact:
 * snapshot + journal → a new snapshot, written atomically; after a clean close FILE alone
 * holds the state.
 *
 * NOTE: the journal's first line names the snapshot it continues, and a snapshot records
 * the journal it took in (`compactedFrom`). Compaction writes the new snapshot before it
 * restarts the journal, so a crash in between leaves a journal naming the new snapshot's
 * `compactedFrom`, which is skipped: the snapshot holds its records. A journal that names
 * neither, or whose snapshot is missing, holds writes no snapshot has: the start is refused
 * and both files are left as they are, as a database refuses a write-ahead log that is not
 * its own.
 */
export class StateFile {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly path: string,
    private readonly store: Store,
    private readonly journal: JournalWriter,
    private readonly lock: StateLock,
    private journalId: string,
  ) {}

  /** Takes the lock, loads `path` (and its journal) into the empty `store`, compacts, starts journaling. */
  static async open(path: string, store: Store, sync?: StateSync): Promise<StateFile> {
    const lock = await StateLock.acquire(path);
    try {
      const snapshot = await readSnapshot(path);
      if (snapshot !== undefined) restoreSnapshot(snapshot, store);
      const journalPath = journalPathOf(path);
      const replay = await replayJournal(
        journalPath,
        (journalId) => checkJournal(journalId, snapshot, path, journalPath),
        store,
      );
      if (snapshot === undefined && replay.tornBytes > 0)
        throw orphanJournal(path, journalPath, replay);
      let journalId = snapshot?.journalId;
      // An older or hand-edited snapshot (no checksum) is rewritten in the current format.
      if (journalId === undefined || snapshot!.checksum === undefined || holdsRecords(replay)) {
        const compactedFrom = journalId;
        journalId = randomId();
        await writeSnapshot(path, store, { journalId, compactedFrom });
      }
      await removeLeftovers(path);
      store.trackChanges();
      const journal = await JournalWriter.create(journalPath, journalId, store, sync);
      return new StateFile(path, store, journal, lock, journalId);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Resolves once every change made so far is on disk. */
  persist(): Promise<void> {
    return this.journal.persist();
  }

  /** Records and commits appended to the journal since start. */
  journalStats(): { records: number; commits: number } {
    return { records: this.journal.records, commits: this.journal.commits };
  }

  /** Waits for pending commits, compacts (when the journal holds anything), removes the journal and the lock. */
  close(): Promise<void> {
    this.closed ??= this.compactAndClose();
    return this.closed;
  }

  private async compactAndClose(): Promise<void> {
    try {
      await this.journal.close();
      // Records of a failed append that no later commit carried are only in memory.
      const unsaved = this.store.takeChanges().size > 0;
      if (this.journal.records > 0 || !this.journal.isComplete() || unsaved) {
        const ids = { journalId: randomId(), compactedFrom: this.journalId };
        await writeSnapshot(this.path, this.store, ids);
        this.journalId = ids.journalId;
      }
      await rm(journalPathOf(this.path), { force: true });
      await syncDirectory(dirname(this.path));
    } finally {
      await this.lock.release();
    }
  }
}

function holdsRecords(replay: Replay): boolean {
  return replay.records > 0 || replay.tornBytes > 0;
}

/** Replay the journal, skip it (compacted already), or refuse it: it is not this snapshot's. */
function checkJournal(
  journalId: string,
  snapshot: Snapshot | undefined,
  path: string,
  journalPath: string,
): "replay" | "skip" {
  if (snapshot === undefined) throw orphanJournal(path, journalPath, { journalId });
  if (journalId === snapshot.journalId) return "replay";
  if (journalId === snapshot.compactedFrom) return "skip";
  const which =
    snapshot.journalId === undefined
      ? "a version 1 file, which has no journal"
      : snapshot.version < CURRENT_VERSION
        ? `snapshot ${snapshot.journalId}, written by an older version that does not record what it was compacted from (if ${path} was written after the journal's last write, move the journal away)`
        : `snapshot ${snapshot.journalId}${snapshot.compactedFrom === undefined ? "" : `, compacted from ${snapshot.compactedFrom}`}`;
  return refuse(
    `state journal ${journalPath} continues snapshot ${journalId}, but ${path} is ${which}: ` +
      `the journal holds writes this snapshot does not have`,
    `put back the state file the journal belongs to, or move the journal away to start from ${path} as it is`,
  );
}

function orphanJournal(
  path: string,
  journalPath: string,
  replay: Pick<Replay, "journalId">,
): Error {
  const continues =
    replay.journalId === undefined ? "" : ` continues snapshot ${replay.journalId}, but`;
  return new Error(
    `state journal ${journalPath}${continues} has no state file (${path} is missing): its writes would be lost; ` +
      `refusing to start (nothing was changed): restore ${path}, or move the journal away to start empty`,
  );
}

function refuse(problem: string, remedy: string): never {
  throw new Error(`${problem}; refusing to start (nothing was changed): ${remedy}`);
}

/**
 * Temporary files of a snapshot a crash cut short (`FILE.<pid>-<random>.tmp`): only the lock's
 * holder writes them, so any left beside FILE are dead.
 */
async function removeLeftovers(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix) && /^\d+-[0-9a-f]{8}\.tmp$/.test(name.slice(prefix.length))) {
      await rm(join(dir, name), { force: true });
    }
  }
}
