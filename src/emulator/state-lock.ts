import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";

/**
 * `--state FILE` belongs to one emulator at a time: two emulators journaling into one file
 * would each replay, compact and truncate the other's writes away. The owner holds
 * `FILE.lock`, a one-line JSON file naming it: `{"pid", "host", "startTime", "bootId", "since"}`.
 *
 * NOTE: Node has no flock(2), and a lock the kernel drops with its process is what a killed
 * emulator needs. So, as PostgreSQL does with `postmaster.pid`, the lock is a file created
 * exclusively (written whole to a temporary file, then hard-linked into place, so no reader
 * ever sees it half-written) and judged by its content: it is stale when its process is gone
 * (`process.kill(pid, 0)` answers ESRCH), when that pid now belongs to a process started at
 * another time (Linux: field 22 of `/proc/PID/stat`, so a reused pid is not mistaken for the
 * owner), or when the machine has rebooted since (Linux: `/proc/sys/kernel/random/boot_id`).
 * A stale lock is moved aside atomically and replaced. A lock taken on another host (a
 * shared disk) cannot be checked and is never broken.
 */

function lockPathOf(statePath: string): string {
  return `${statePath}.lock`;
}

/** Who holds a lock, as its file says. */
interface LockOwner {
  pid: number;
  host: string;
  /** Linux: the process's start time in clock ticks since boot (`/proc/PID/stat` field 22). */
  startTime?: string;
  /** Linux: the boot the process ran in. */
  bootId?: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
}

/** The state file is held by a live emulator: nothing was read or changed. */
class StateInUseError extends Error {
  constructor(
    readonly statePath: string,
    readonly owner: LockOwner,
    reason: "alive" | "elsewhere",
  ) {
    const who =
      reason === "alive"
        ? `pid ${owner.pid}, running since ${owner.since}`
        : `pid ${owner.pid} on host ${owner.host}, since ${owner.since}, which this machine cannot check`;
    super(
      `state file ${statePath} is in use by another emulator (${who}; lock ${lockPathOf(statePath)}): ` +
        `stop that one first or use another state file` +
        (reason === "elsewhere" ? "; if it is no longer running, delete the lock file" : ""),
    );
  }
}

/** Rounds of "create, else judge and break a stale lock" before giving up. */
const MAX_ATTEMPTS = 5;

export class StateLock {
  private released = false;

  private constructor(
    private readonly path: string,
    private readonly text: string,
  ) {}

  /**
   * Takes the lock of `statePath`, breaking a stale one; throws StateInUseError when a live
   * emulator holds it.
   */
  static async acquire(statePath: string): Promise<StateLock> {
    const path = lockPathOf(statePath);
    const text = `${JSON.stringify(await describeThisProcess())}\n`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (await createExclusive(path, text)) return new StateLock(path, text);
      const found = await readLock(path);
      if (found === undefined) continue; // released meanwhile: try again
      const verdict = found.owner === undefined ? "unreadable" : await judge(found.owner);
      if (verdict === "alive" || verdict === "elsewhere") {
        throw new StateInUseError(statePath, found.owner!, verdict);
      }
      if (verdict === "unreadable") {
        throw new Error(
          `state file ${statePath}: its lock ${path} is not one this emulator writes (${JSON.stringify(found.text.slice(0, 80))}); ` +
            `if no emulator uses ${statePath}, delete the lock file`,
        );
      }
      await breakStale(path, found.text);
    }
    throw new Error(
      `state file ${statePath}: could not take its lock ${path} (others keep taking it)`,
    );
  }

  /** Removes the lock, if it is still this one. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const found = await readLock(this.path);
    if (found?.text === this.text) await unlink(this.path).catch(ignoreMissing);
  }
}

async function describeThisProcess(): Promise<LockOwner> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const startTime = await processStartTime(process.pid);
  if (startTime !== undefined) owner.startTime = startTime;
  const bootId = await readBootId();
  if (bootId !== undefined) owner.bootId = bootId;
  return owner;
}

/**
 * Creates `path` holding `text`, unless it exists. The text goes to a temporary file first,
 * then a hard link puts it in place in one step; a file system without hard links gets an
 * exclusive create and a write instead.
 */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const file = await open(temp, "wx");
  try {
    await file.writeFile(text);
  } finally {
    await file.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"].includes(code ?? "")) throw error;
    return createWithoutLink(path, text);
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
}

async function createWithoutLink(path: string, text: string): Promise<boolean> {
  let file;
  try {
    file = await open(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await file.writeFile(text);
  } finally {
    await file.close();
  }
  return true;
}

/** The lock's text and, when it reads as one, its owner; `undefined` when there is none. */
async function readLock(path: string): Promise<{ text: string; owner?: LockOwner } | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (Number.isSafeInteger(owner?.pid) && owner.pid > 0 && typeof owner.host === "string") {
      return { text, owner };
    }
  } catch {
    // not a lock this emulator wrote
  }
  return { text };
}

/** Whether the lock's owner still runs: only a process that is surely gone makes it stale. */
async function judge(owner: LockOwner): Promise<"alive" | "stale" | "elsewhere"> {
  if (owner.host !== hostname()) return "elsewhere";
  const bootId = await readBootId();
  if (owner.bootId !== undefined && bootId !== undefined && owner.bootId !== bootId) {
    return "stale"; // the machine rebooted since: no process of that boot is left
  }
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "stale";
  }
  if (owner.startTime !== undefined) {
    const startTime = await processStartTime(owner.pid);
    if (startTime !== undefined && startTime !== owner.startTime) return "stale"; // a reused pid
  }
  return "alive";
}

/**
 * Moves the stale lock aside (one atomic step, so of two emulators breaking it at once only
 * one succeeds) and removes it. If what was moved is no longer the stale lock (another
 * emulator replaced it in between), it is put back.
 */
async function breakStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    const moved = await readFile(aside, "utf8");
    if (moved !== staleText) await link(aside, path).catch(() => {});
  } finally {
    await unlink(aside).catch(ignoreMissing);
  }
}

/** Linux: field 22 of /proc/PID/stat (after the command name, which may hold spaces). */
async function processStartTime(pid: number): Promise<string | undefined> {
  if (process.platform !== "linux") return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19]; // fields[0] is field 3 (state)
  } catch {
    return undefined;
  }
}

async function readBootId(): Promise<string | undefined> {
  if (process.platform !== "linux") return undefined;
  try {
    return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim() || undefined;
  } catch {
    return undefined;
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}
