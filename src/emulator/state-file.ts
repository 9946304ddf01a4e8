import { open, readFile, rename, rm } from "node:fs/promises";
import type { Store } from "./store.js";
import type { StoredAsset, StoredMetadataKey, StoredRun } from "./types.js";

/**
 * `--state FILE`: the whole state as one JSON document, read on start and rewritten
 * atomically (temporary file, fsync, rename) before a write is answered, so a killed
 * emulator restarts with every write it acknowledged.
 */

const STATE_VERSION = 1;

interface StateDocument {
  version: number;
  assets: StoredAsset[];
  metadataKeys: StoredMetadataKey[];
  runs: StoredRun[];
}

/** Loads `path` into the empty `store`; a missing file is an empty state. */
export async function loadStateFile(path: string, store: Store): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  let doc: StateDocument;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`state file ${path} is not valid JSON`, { cause: error });
  }
  if (
    doc?.version !== STATE_VERSION ||
    !Array.isArray(doc.assets) ||
    !Array.isArray(doc.metadataKeys) ||
    !Array.isArray(doc.runs)
  ) {
    throw new Error(`state file ${path} is not an emulator state (version ${STATE_VERSION})`);
  }
  for (const asset of doc.assets) store.restoreAsset(asset);
  for (const key of doc.metadataKeys) store.restoreMetadataKey(key);
  for (const run of doc.runs) store.restoreRun(run);
}

function serializeState(store: Store): string {
  const doc: StateDocument = {
    version: STATE_VERSION,
    assets: store.assets,
    metadataKeys: store.metadataKeys,
    runs: store.runs,
  };
  return JSON.stringify(doc);
}

/**
 * Writes the state with group commit: while one write is in flight, every write request
 * that arrives waits for the next one, which then saves all their changes at once. So a
 * burst of N concurrent writes costs two file writes, not N.
 */
export class StateWriter {
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private counter = 0;

  constructor(
    private readonly path: string,
    private readonly store: Store,
  ) {}

  /** Resolves once the state as it is now is on disk. */
  persist(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.inFlight === undefined) return this.start();
    this.queued = this.inFlight.then(ignore, ignore).then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  /** Waits for every pending write (used by close). */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined || this.queued !== undefined) {
      await (this.queued ?? this.inFlight)?.then(ignore, ignore);
    }
  }

  private start(): Promise<void> {
    // Serialized now, synchronously: the file holds every change made before this moment.
    const write = this.write(serializeState(this.store));
    this.inFlight = write;
    write.then(ignore, ignore).then(() => {
      if (this.inFlight === write) this.inFlight = undefined;
    });
    return write;
  }

  private async write(text: string): Promise<void> {
    const temp = `${this.path}.${process.pid}.${this.counter++}.tmp`;
    try {
      const file = await open(temp, "w");
      try {
        await file.writeFile(text, "utf8");
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

function ignore(): void {}
