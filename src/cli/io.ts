import { fstatSync } from "node:fs";
import { constants as osConstants } from "node:os";
import type { FileIdentity } from "../manifest/index.js";
import type { StatusLine } from "../report/progress.js";

/** What the CLI touches of the outside world, injected so tests run `main` in-process. */
export interface CliIo {
  stdout: {
    write(text: string): unknown;
    isTTY?: boolean;
    /**
     * While stdout holds more than its buffer (its reader is slower than the report: a pipe
     * into `jq`), a promise that settles once it has drained (or closed); else undefined.
     */
    drained?(): Promise<void> | undefined;
    /** Whether its reader has gone (`| head`): a command that wrote all it had still ends 141. */
    closed?(): boolean;
  };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /**
   * The file stdout is redirected to (`plan dir/ > dir/plan.json`), if it is one: a manifest
   * directory never yields it.
   */
  stdoutFile?: FileIdentity;
  /**
   * stdout goes into a pipe (`| less`, `| head`): its reader likely writes to the same terminal
   * as stderr, at moments this process does not know.
   */
  stdoutPipe?: boolean;
  /** The file standard input is redirected from (`apply - < runs.csv`), if it is one. */
  stdinFile?: FileIdentity;
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * Calls `handler` when the user asks to stop (Ctrl-C / SIGTERM), each time; returns the way
   * to stop listening. Defaults to process signals.
   */
  onInterrupt?: (handler: (signal: StopSignal) => void) => () => void;
  /** Ends the process now (a command that must quit after a signal). Absent in-process. */
  exit?: (code: number) => void;
  /** Standard input, for the manifest path `-`. */
  stdin?: AsyncIterable<Uint8Array> & { isTTY?: boolean };
  /** The terminal's status line (the progress bar), when stderr is a terminal. */
  status?: StatusLine;
}

/** The signals that stop a command. */
export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * Thrown by a write to stdout once its reader has gone (`plan ... | head -2`): the command
 * stops there and ends quietly, as Unix tools do when their pipe closes.
 */
export class OutputClosedError extends Error {
  constructor() {
    super("stdout was closed");
    this.name = "OutputClosedError";
  }
}

export function processIo(): CliIo {
  // A closed pipe is reported as an 'error' event (EPIPE) after the write that met it; without
  // a listener it crashes the process with a stack trace. Once closed, stdout writes throw
  // (the command stops) and stderr writes are dropped (logs have nowhere to go).
  let stdoutClosed = false;
  let stderrClosed = false;
  process.stdout.on("error", () => {
    stdoutClosed = true;
  });
  process.stderr.on("error", () => {
    stderrClosed = true;
  });
  return {
    stdout: {
      write(text) {
        if (stdoutClosed) throw new OutputClosedError();
        return process.stdout.write(text);
      },
      isTTY: process.stdout.isTTY,
      closed: () => stdoutClosed,
      drained() {
        const out = process.stdout;
        if (stdoutClosed || !out.writableNeedDrain) return undefined;
        return new Promise<void>((resolve) => {
          const settle = () => {
            out.off("drain", settle).off("error", settle).off("close", settle);
            resolve();
          };
          out.on("drain", settle).on("error", settle).on("close", settle);
        });
      },
    },
    stderr: {
      write(text) {
        return stderrClosed ? false : process.stderr.write(text);
      },
      isTTY: process.stderr.isTTY,
      get columns() {
        return process.stderr.columns;
      },
    },
    stdoutFile: fileOf(1),
    stdoutPipe: isPipe(1),
    stdinFile: fileOf(0),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt: listenForSignals(),
    exit: (code) => process.exit(code),
  };
}

/**
 * A signal that came before a command listened (while node loads the command's modules, which
 * takes a second on a busy machine) would otherwise end the process as node does by default:
 * exit 130 with no document on stdout and no word on stderr.
 */
const UNHEARD_SIGNAL_MS = 2_000;

/**
 * Listens for SIGINT and SIGTERM from now on: a signal no handler hears yet is told to the
 * first handler when it comes (the command then stops at its start, with its document). One
 * that no handler comes for within UNHEARD_SIGNAL_MS ends the process with the signal's exit
 * code, as node would have at once.
 */
function listenForSignals(): NonNullable<CliIo["onInterrupt"]> {
  const handlers = new Set<(signal: StopSignal) => void>();
  const unheard: StopSignal[] = [];
  let timer: NodeJS.Timeout | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    const signal = name as StopSignal;
    if (handlers.size > 0) {
      for (const handler of [...handlers]) handler(signal);
      return;
    }
    unheard.push(signal);
    timer ??= setTimeout(
      () => process.exit(128 + osConstants.signals[unheard[0]!]),
      UNHEARD_SIGNAL_MS,
    ).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return (handler) => {
    handlers.add(handler);
    clearTimeout(timer);
    timer = undefined;
    const early = unheard.splice(0);
    // NOTE: told on the next turn: the caller has not returned from subscribing yet.
    if (early.length > 0) setImmediate(() => early.forEach((signal) => handler(signal)));
    return () => {
      handlers.delete(handler);
    };
  };
}

/** The regular file open as `fd`, by identity; undefined for a pipe, a terminal, /dev/null. */
function isPipe(fd: number): boolean {
  try {
    const info = fstatSync(fd);
    return info.isFIFO() || info.isSocket();
  } catch {
    return false;
  }
}

function fileOf(fd: number): FileIdentity | undefined {
  try {
    const info = fstatSync(fd);
    return info.isFile() ? { dev: info.dev, ino: info.ino } : undefined;
  } catch {
    return undefined; // closed
  }
}
