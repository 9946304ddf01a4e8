import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { randomId } from "./random-id.js";
import { JournalWriter, journalPathOf, replayJournal, type StateSync } from "./state-journal.js";
import { readSnapshot, restoreSnapshot, syncDirectory, writeSnapshot } from "./state-snapshot.js";
import type { Store } from "./store.js";

/**
 * `--state FILE`: a snapshot (FILE, one JSON document) plus a journal (`FILE.journal`, JSON
 * Lines of the records each write changed). A write appends only its records, in a group
 * commit, and is answered once they are written (or, with `disk`, fsynced), so its cost does not grow with the state
 * and a killed emulator restarts with every write it answered. Start and close compact:
 * snapshot + journal → a new snapshot, written atomically; after a clean close FILE alone
 * holds the state.
 *
 * NOTE: the journal's first line names the snapshot it continues. Compaction writes the new
 * snapshot (with a new id) before it restarts the journal, so a crash in between leaves a
 * journal naming the old snapshot, which is ignored: the new one already holds its records.
 */
export class StateFile {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly path: string,
    private readonly store: Store,
    private readonly journal: JournalWriter,
  ) {}

  /** Loads `path` (and its journal) into the empty `store`, compacts, starts journaling. */
  static async open(path: string, store: Store, sync?: StateSync): Promise<StateFile> {
    const snapshot = await readSnapshot(path);
    if (snapshot !== undefined) restoreSnapshot(snapshot, store);
    const replay = await replayJournal(journalPathOf(path), snapshot?.journalId, store);
    let journalId = snapshot?.journalId;
    if (journalId === undefined || replay.records > 0 || replay.tornBytes > 0) {
      journalId = randomId();
      await writeSnapshot(path, store, journalId);
    }
    store.trackChanges();
    const journal = await JournalWriter.create(journalPathOf(path), journalId, store, sync);
    return new StateFile(path, store, journal);
  }

  /** Resolves once every change made so far is on disk. */
  persist(): Promise<void> {
    return this.journal.persist();
  }

  /** Records and commits appended to the journal since start. */
  journalStats(): { records: number; commits: number } {
    return { records: this.journal.records, commits: this.journal.commits };
  }

  /** Waits for pending commits, compacts (when the journal holds anything) and removes the journal. */
  close(): Promise<void> {
    this.closed ??= this.compactAndClose();
    return this.closed;
  }

  private async compactAndClose(): Promise<void> {
    await this.journal.close();
    // Records of a failed append that no later commit carried are only in memory.
    const unsaved = this.store.takeChanges().size > 0;
    if (this.journal.records > 0 || !this.journal.isComplete() || unsaved) {
      await writeSnapshot(this.path, this.store, randomId());
    }
    await rm(journalPathOf(this.path), { force: true });
    await syncDirectory(dirname(this.path));
  }
}
