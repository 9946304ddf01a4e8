import { constants, createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { ChangedRecords } from "./changed-records.js";
import { syncDirectory } from "./state-snapshot.js";
import type { Store } from "./store.js";

/**
 * The journal half of `--state FILE`: `FILE.journal`, JSON Lines. The first line names the
 * snapshot it continues, `{"journalId":"…"}`; each other line is one record as a write left
 * it, replacing the one with the same id: `{"tag":{…}}` (by tagId), `{"asset":{…}}` (by
 * assetId), `{"metadataKey":{…}}` (by name) or `{"run":{…}}` (by runId). Lines are appended in group commits; a write is
 * answered once its commit is written (`--state-sync write`, fdatasynced in the background)
 * or once it is on disk (`--state-sync disk`).
 */

export function journalPathOf(statePath: string): string {
  return `${statePath}.journal`;
}

export interface Replay {
  /** The id the journal's first line names; absent when it has no complete first line. */
  journalId?: string;
  /** The journal continues an older snapshot, which the current one took in: nothing was read. */
  stale: boolean;
  /** Records replayed into the store. */
  records: number;
  /** Bytes of an incomplete last line, ignored: a commit a crash cut short was never answered. */
  tornBytes: number;
}

/**
 * Whether to replay a journal naming `journalId` over the snapshot: `replay` it, `skip` it
 * (the snapshot holds its records already), or throw to refuse it before anything is read.
 */
export type JournalCheck = (journalId: string) => "replay" | "skip";

/**
 * Replays the journal at `path` over the store, as `check` decides from its first line. A
 * missing journal is an empty one; a line that is not a record, other than an incomplete
 * last one, is an error naming `path:line`.
 */
export async function replayJournal(
  path: string,
  check: JournalCheck,
  store: Store,
): Promise<Replay> {
  const replay: Replay = { stale: false, records: 0, tornBytes: 0 };
  const stream = createReadStream(path, { encoding: "utf8" });
  let rest = "";
  let line = 0;
  try {
    for await (const chunk of stream) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        line++;
        const content = text.slice(start, end);
        start = end + 1;
        if (line === 1) {
          replay.journalId = readHeader(content, path);
          if (check(replay.journalId) === "replay") continue;
          replay.stale = true;
          return replay;
        }
        if (content.trim() === "") continue;
        applyRecord(readLine(content, path, line), store, `${path}:${line}`);
        replay.records++;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return replay;
    throw error;
  } finally {
    stream.destroy();
  }
  replay.tornBytes = Buffer.byteLength(rest);
  return replay;
}

function readLine(content: string, path: string, line: number): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    throw new Error(`state journal ${path}:${line} is not valid JSON: ${(error as Error).message}`);
  }
}

function readHeader(content: string, path: string): string {
  const header = readLine(content, path, 1) as { journalId?: unknown } | null;
  if (typeof header?.journalId !== "string") {
    throw new Error(`state journal ${path}:1 is not a journal header ({"journalId": "…"})`);
  }
  return header.journalId;
}

function applyRecord(record: unknown, store: Store, where: string): void {
  const { tag, asset, metadataKey, run } = (record ?? {}) as Record<
    string,
    Record<string, unknown>
  >;
  if (typeof run?.runId === "string") store.restoreRun(run as never);
  else if (typeof tag?.tagId === "string") store.restoreTag(tag as never);
  else if (typeof asset?.assetId === "string") store.restoreAsset(asset as never);
  else if (typeof metadataKey?.name === "string") store.restoreMetadataKey(metadataKey as never);
  else {
    throw new Error(
      `state journal ${where} is not a record ({"run"|"asset"|"metadataKey"|"tag": …})`,
    );
  }
}

/** The lines of one commit; tags, assets and keys before the runs that name them. */
function journalLines(changes: ChangedRecords): string {
  let text = "";
  for (const tag of changes.tags) text += `{"tag":${JSON.stringify(tag)}}\n`;
  for (const asset of changes.assets) text += `{"asset":${JSON.stringify(asset)}}\n`;
  for (const key of changes.metadataKeys) text += `{"metadataKey":${JSON.stringify(key)}}\n`;
  for (const run of changes.runs) text += `{"run":${JSON.stringify(run)}}\n`;
  return text;
}

/**
 * When a write is answered: `write` once its journal lines are written to the file (the
 * kernel holds them: a killed emulator keeps every answered write; an fdatasync follows in
 * the background, group-committed), `disk` once they are on disk (a machine crash or power
 * loss keeps them too; each write then waits for one synced append).
 */
export type StateSync = "write" | "disk";

/**
 * NOTE: where the platform has O_DSYNC (Linux, macOS), each append is one write that returns
 * once its lines are on disk: one system call per commit instead of write + fdatasync, which
 * matters when the commit is what a client waits for. Elsewhere (Windows), write + fdatasync.
 */
const { O_CREAT, O_DSYNC, O_TRUNC, O_WRONLY } = constants;
const SYNCED_WRITES = O_DSYNC === undefined ? undefined : O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC;

/**
 * Appends the store's changes to the journal in group commits: while one commit is on its
 * way to disk, every write made meanwhile gathers into the next one, which then appends all
 * their records at once (a burst of N concurrent writes costs one or two appends). A commit
 * costs the records it holds, whatever the state's size.
 */
export class JournalWriter {
  /** Records appended since the journal started. */
  records = 0;
  /** Appends (each one write, on disk when it returns) since the journal started. */
  commits = 0;
  /** The commit gathering changes: it starts once the one before it is on disk. */
  private gathering: Promise<void> | undefined;
  /** Settles when the last started commit is on disk (or failed). */
  private writing: Promise<void> = Promise.resolve();
  /** Set when an append failed past undoing: what the journal holds is unknown. */
  private broken: Error | undefined;
  /** With `write`: the background fdatasync under way, and whether appends came since it began. */
  private syncing: Promise<void> | undefined;
  private syncAgain = false;

  private constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private readonly store: Store,
    private size: number,
    private readonly sync: StateSync,
    /** Opened with O_DSYNC: an append is on disk when it returns. */
    private readonly synced: boolean,
  ) {}

  /** Starts the journal at `path` afresh, continuing the snapshot `journalId`. */
  static async create(
    path: string,
    journalId: string,
    store: Store,
    sync: StateSync = "write",
  ): Promise<JournalWriter> {
    const header = Buffer.from(`${JSON.stringify({ journalId })}\n`);
    const synced = sync === "disk" && SYNCED_WRITES !== undefined;
    const file = await open(path, synced ? SYNCED_WRITES : "w");
    try {
      await file.write(header, 0, header.length, 0);
      await file.datasync();
      await syncDirectory(dirname(path));
    } catch (error) {
      await file.close();
      throw error;
    }
    return new JournalWriter(path, file, store, header.length, sync, synced);
  }

  /** Resolves once every change made so far is on disk. */
  persist(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    this.gathering ??= this.commit();
    return this.gathering;
  }

  /** Waits for every pending commit (and, with `write`, its background sync). */
  async idle(): Promise<void> {
    while (this.gathering !== undefined) await this.gathering.then(ignore, ignore);
    await this.writing;
    while (this.syncing !== undefined) await this.syncing;
  }

  /** True when every change reached the journal (else only a new snapshot holds them all). */
  isComplete(): boolean {
    return this.broken === undefined;
  }

  async close(): Promise<void> {
    await this.idle();
    await this.file.close();
  }

  private async commit(): Promise<void> {
    await this.writing;
    this.gathering = undefined;
    if (this.broken !== undefined) throw this.broken;
    // Taken and serialized now, synchronously: the commit holds every change made until now.
    const changes = this.store.takeChanges();
    if (changes.size === 0) return;
    const appended = this.append(Buffer.from(journalLines(changes)), changes);
    this.writing = appended.then(ignore, ignore);
    await appended;
    this.records += changes.size;
    this.commits++;
  }

  /**
   * Appends `bytes` durably. A failed write is cut off again and its records go to the next
   * commit; a failed sync leaves the journal unknown (the kernel reports a lost page once).
   */
  private async append(bytes: Buffer, changes: ChangedRecords): Promise<void> {
    const position = this.size;
    try {
      for (let done = 0; done < bytes.length;) {
        const { bytesWritten } = await this.file.write(
          bytes,
          done,
          bytes.length - done,
          position + done,
        );
        done += bytesWritten;
      }
    } catch (error) {
      this.store.giveBackChanges(changes);
      await this.file.truncate(position).catch((cause: unknown) => {
        this.broken ??= new Error(`state journal ${this.path} cannot be appended to`, { cause });
      });
      throw new Error(`state journal ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.size = position + bytes.length;
    if (this.synced) return;
    if (this.sync === "write") return this.syncInBackground();
    try {
      await this.file.datasync();
    } catch (error) {
      throw this.brokenBy(error);
    }
  }

  /**
   * `write`: the append is answered once the kernel holds it (a killed emulator keeps it);
   * fdatasyncs follow one at a time, each covering every append made before it began.
   */
  private syncInBackground(): void {
    if (this.syncing !== undefined) {
      this.syncAgain = true;
      return;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.file.datasync();
        } while (this.syncAgain);
      } catch (error) {
        this.brokenBy(error);
      } finally {
        this.syncing = undefined;
      }
    })();
  }

  private brokenBy(error: unknown): Error {
    this.broken ??= new Error(`state journal ${this.path}: ${(error as Error).message}`, {
      cause: error,
    });
    return this.broken;
  }
}

function ignore(): void {}
