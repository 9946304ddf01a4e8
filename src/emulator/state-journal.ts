import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { ChangedRecords } from "./changed-records.js";
import { syncDirectory } from "./state-snapshot.js";
import type { Store } from "./store.js";

/**
 * The journal half of `--state FILE`: `FILE.journal`, JSON Lines. The first line names the
 * snapshot it continues, `{"journalId":"…"}`; each other line is one record as a write left
 * it, replacing the one with the same id: `{"tag":{…}}` (by tagId), `{"asset":{…}}` (by
 * assetId), `{"metadataKey":{…}}` (by name) or `{"run":{…}}` (by runId). Lines are appended in group commits, one write and
 * one fdatasync each, and a write is answered only once its commit is on disk.
 */

export function journalPathOf(statePath: string): string {
  return `${statePath}.journal`;
}

export interface Replay {
  /** The journal continues another snapshot (or there is none): nothing was read from it. */
  stale: boolean;
  /** Records replayed into the store. */
  records: number;
  /** Bytes of an incomplete last line, ignored: a commit a crash cut short was never answered. */
  tornBytes: number;
}

/**
 * Replays the journal at `path` over the store holding the snapshot `journalId`. A missing
 * journal is an empty one; a line that is not a record, other than an incomplete last one,
 * is an error naming `path:line`.
 */
export async function replayJournal(
  path: string,
  journalId: string | undefined,
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
          if (readHeader(content, path) === journalId) continue;
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
 * Appends the store's changes to the journal with group commit: while one commit is on its
 * way to disk, every write that arrives waits for the next one, which then appends all their
 * records at once. A burst of N concurrent writes costs two appends, and an append costs
 * the records it holds, whatever the state's size.
 */
export class JournalWriter {
  /** Records appended since the journal started. */
  records = 0;
  /** Appends (each one write and one fdatasync) since the journal started. */
  commits = 0;
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Set when a failed append could not be undone: the journal's end is unknown. */
  private broken: Error | undefined;

  private constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private readonly store: Store,
    private size: number,
  ) {}

  /** Starts the journal at `path` afresh, continuing the snapshot `journalId`. */
  static async create(path: string, journalId: string, store: Store): Promise<JournalWriter> {
    const header = Buffer.from(`${JSON.stringify({ journalId })}\n`);
    const file = await open(path, "w");
    try {
      await file.writeFile(header);
      await file.datasync();
      await syncDirectory(dirname(path));
    } catch (error) {
      await file.close();
      throw error;
    }
    return new JournalWriter(path, file, store, header.length);
  }

  /** Resolves once every change made so far is on disk. */
  persist(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.queued !== undefined) return this.queued;
    if (this.inFlight === undefined) return this.start();
    this.queued = this.inFlight.then(ignore, ignore).then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  /** Waits for every pending commit. */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined || this.queued !== undefined) {
      await (this.queued ?? this.inFlight)?.then(ignore, ignore);
    }
  }

  /** True when every change reached the journal (else only a new snapshot holds them all). */
  isComplete(): boolean {
    return this.broken === undefined;
  }

  async close(): Promise<void> {
    await this.idle();
    await this.file.close();
  }

  private start(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    // Taken and serialized now, synchronously: the commit holds every change made until now.
    const changes = this.store.takeChanges();
    if (changes.size === 0) return Promise.resolve();
    const commit = this.append(Buffer.from(journalLines(changes)), changes);
    this.inFlight = commit;
    commit.then(ignore, ignore).then(() => {
      if (this.inFlight === commit) this.inFlight = undefined;
    });
    return commit;
  }

  private async append(bytes: Buffer, changes: ChangedRecords): Promise<void> {
    try {
      for (let done = 0; done < bytes.length;) {
        const { bytesWritten } = await this.file.write(
          bytes,
          done,
          bytes.length - done,
          this.size + done,
        );
        done += bytesWritten;
      }
      await this.file.datasync();
    } catch (error) {
      // The records go to the next commit, after cutting off what this one left behind.
      this.store.giveBackChanges(changes);
      await this.file.truncate(this.size).catch((cause: unknown) => {
        this.broken = new Error(`state journal ${this.path} cannot be appended to`, { cause });
      });
      throw new Error(`state journal ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.size += bytes.length;
    this.records += changes.size;
    this.commits++;
  }
}

function ignore(): void {}
