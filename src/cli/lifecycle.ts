import type { Logger } from "../core/logger.js";
import type { ManifestFormat } from "../manifest/index.js";
import { createProgress, type Progress } from "../report/progress.js";
import { describeFailure, type Failure, INTERRUPTED } from "../report/failure.js";
import type { SyncConfig } from "../sources/index.js";
import { type CommandStop, listenForStop } from "./interrupt.js";
import { type CliIo, OutputClosedError } from "./io.js";
import { noteOwnFiles } from "./own-files.js";
import type { Session, SessionOptions, SessionTuning } from "./session.js";
import { type SpooledInputs, spoolInputs, type SpoolWatch } from "./stdin.js";
import { describeActivity, interruptedFailure, signalName } from "./stop-note.js";

/**
 * One lifecycle for every command (the citty model: a command declares what it needs, and
 * `runCommand` does the rest, the same way each time):
 *
 * 1. listen for Ctrl-C and SIGTERM (interrupt.ts): the first stops, the exit code is 130/143;
 * 2. `options`: the flags as typed options, and `check`: what can be refused before anything
 *    is read (a bad flag, an output that would overwrite an input);
 * 3. copy standard input and FIFOs among the manifest paths (stdin.ts), open the session (the
 *    client, the logger; session.ts), note the tool's own files the manifest paths hold;
 * 4. `run` the command, which returns its exit code;
 * 5. when it failed or was interrupted, `end` writes the closing document (stdout always gets
 *    one); a failure is then thrown on to `main`, whose one catch maps it to a message and an
 *    exit code;
 * 6. whatever happened: the progress bar is cleared, the session closed, the copies removed.
 */
export interface CommandDeclaration<O> {
  /**
   * The parser's flags as this command's typed options, read once: a bad flag fails here,
   * inside the lifecycle, so that the closing document says why. Nothing after sees a flag.
   */
  options: () => O | Promise<O>;
  /**
   * What a command that writes to Sift gives the requests under way after Ctrl-C (the
   * default, STOP_GRACE_MS); 0 for a command that only reads: it stops at once.
   */
  graceMs?: number;
  /**
   * At the first signal, stderr gets one line, `interrupted by Ctrl-C (SIGINT) while <what was
   * under way>: <this>` (stop-note.ts), and the closing document the same words: what the
   * interruption leaves (`the plan is incomplete`). Without it, the command says what it will.
   */
  stopOutcome?: (graceMs: number, underWay: number) => string;
  /** What the command does when no request is under way: before the first, and between them. */
  activity?: { offline: string; between: string };
  /** Checked first, before anything is read or opened. */
  check?: (options: O) => Promise<void> | void;
  /** The manifest paths this command reads: spooled (`-`, FIFOs) and their own files noted. */
  inputs?: (options: O) => CommandInputs | undefined;
  /**
   * How to reach Sift; without it no session is opened (validate), nor when it gives none
   * (doctor, when there is nothing to connect to: its report says why).
   */
  session?: (options: O) => SessionOptions | undefined;
  /** How the command shapes its client beyond the options (doctor). */
  tuning?: (options: O) => SessionTuning;
  /** The label of the progress bar (on a TTY, unless --no-progress); none without one. */
  progress?: (options: O) => { label: string; enabled: boolean };
  /**
   * The closing document, when the command did not end on its own: after a failure (the
   * error's Failure), at the first signal when `endAtStop` (INTERRUPTED), or when the command
   * did not end within STOP_DEADLINE_MS of the signal. Synchronous (the process may exit right
   * after); called at most once.
   */
  end?: (ending: Ending) => void;
  /** Write the closing document at the first signal already (a read-only command: plan). */
  endAtStop?: boolean;
  /**
   * Quit at the first signal, with its exit code: a command that writes nothing and cannot
   * stop halfway (validate reads on to the end) has nothing to finish or report.
   */
  quitAtStop?: boolean;
  run: (options: O, life: Life) => Promise<number>;
}

interface CommandInputs {
  paths: readonly string[];
  /** `--stdin-format`. */
  stdinFormat?: ManifestFormat;
  /** The command's own outputs and config, never read back as manifests (noted, skipped). */
  own?: { exclude?: readonly string[]; config?: SyncConfig };
  /** How a note about a skipped own file is told; default: a warning of the session's logger. */
  note?: (line: string) => void;
}

/** Why the closing document is written. */
export interface Ending {
  failure: Failure;
  /** 130 or 143 when a signal stopped the command. */
  interrupted?: number;
  /** The error that failed the command, when one did. */
  error?: unknown;
}

/** What `run` gets. */
export interface Life {
  io: CliIo;
  /** Undefined when the declaration asked for no session. */
  session: Session | undefined;
  spooled: SpooledInputs | undefined;
  /** For a command that copies stdin itself (doctor, after its connection checks): pass it to
   * spoolInputs, so an exit at a signal deletes that copy too. */
  spooling: SpoolWatch;
  stop: CommandStop;
  progress: Progress;
  /** The exit code of a signal received so far, or undefined. */
  interrupted(): number | undefined;
  /** Writes the closing document now, unless it was written (the command's `end`). */
  end(ending: Ending): void;
}

/** Runs one command through the lifecycle; returns its exit code or throws its failure. */
export async function runCommand<O>(io: CliIo, command: CommandDeclaration<O>): Promise<number> {
  let ended = false;
  const end = (ending: Ending) => {
    if (ended) return;
    ended = true;
    try {
      command.end?.(ending);
    } catch (error) {
      if (!(error instanceof OutputClosedError)) throw error;
    }
  };
  // NOTE: process.exit runs no finally: an exit at a signal deletes the copies of stdin first
  // (an io without exit, as in tests, goes on to the finally below).
  const spooling: SpoolWatch = {};
  const beforeExit = () => {
    if (io.exit) spooling.removeNow?.();
  };
  let stop: CommandStop;
  /** What the closing document says after a signal: what was under way then (stop-note.ts). */
  let stopped: Failure = INTERRUPTED;
  /** Where the command is, for that line while it has no session. */
  let phase = "reading its options";
  let session: Session | undefined;
  /** The line on stderr: on a terminal, it takes the line of the `^C` the terminal echoed. */
  const say = (line: string) =>
    io.stderr.write(`${io.stderr.isTTY === true ? "\r\u001b[K" : ""}${line}\n`);
  try {
    stop = listenForStop(io, {
      ...(command.graceMs !== undefined && { graceMs: command.graceMs }),
      onStop: (signal, graceMs) => {
        if (command.stopOutcome) {
          const doing = describeActivity({
            ...(session && { api: apiOf(session) }),
            offline: session ? (command.activity?.offline ?? "working") : phase,
            between: command.activity?.between ?? "working between requests to the API",
          });
          const underWay = session?.client.underWay().requests.length ?? 0;
          stopped = interruptedFailure(signal, doing, command.stopOutcome(graceMs, underWay));
          say(stopped.message);
        }
        if (command.endAtStop) end({ failure: stopped, interrupted: stop.exitCode() });
        if (command.quitAtStop) {
          beforeExit();
          io.exit?.(stop.exitCode()!);
        }
      },
      onSecond: (signal) => {
        if (!command.stopOutcome) return;
        const cut = session?.client.underWay().requests.length ?? 0;
        const what =
          cut > 0
            ? `${cut === 1 ? "the request under way is" : `the ${cut} requests under way are`} cut off now`
            : "quitting now";
        say(`interrupted again by ${signalName(signal)}: ${what}`);
      },
      quit: (code) => {
        beforeExit();
        end({ failure: stopped, interrupted: code });
      },
    });
  } catch (error) {
    end({ failure: describeFailure(error), error }); // a bad SIFT_RUN_SYNC_STOP_SCALE
    throw error;
  }
  let progress: Progress | undefined;
  let spooled: SpooledInputs | undefined;
  try {
    const options = await command.options();
    const bar = command.progress?.(options);
    progress = createProgress({
      ...(io.status ? { line: io.status } : { stream: io.stderr }),
      enabled: bar?.enabled === true && io.stderr.isTTY === true,
      label: bar?.label ?? "",
    });
    await command.check?.(options);
    const inputs = command.inputs?.(options);
    phase = "reading standard input";
    if (inputs) spooled = await spoolInputs(inputs.paths, inputs.stdinFormat, io, spooling);
    const sessionOptions = command.session?.(options);
    phase = "connecting to the API";
    if (sessionOptions) {
      // Loaded only to open one: the client and logger it builds (pino, the HTTP stack, sift.toml)
      // are a third of validate's start-up, which never opens a session.
      const { openSession } = await import("./session.js");
      session = await openSession(sessionOptions, io, command.tuning?.(options));
    }
    if (inputs) await noteOwnInputs(inputs, io, session?.logger);
    const code = await command.run(options, {
      io,
      session,
      spooled,
      spooling,
      stop,
      progress,
      interrupted: () => stop.exitCode(),
      end,
    });
    progress.done();
    // A signal wins: whatever the command had left to do, it did not do it.
    return stop.exitCode() ?? code;
  } catch (error) {
    progress?.done();
    const interrupted = stop.exitCode();
    end({ failure: interrupted ? stopped : describeFailure(error), interrupted, error });
    if (interrupted !== undefined) return interrupted;
    throw error;
  } finally {
    stop.end();
    await session?.close();
    await spooled?.remove();
  }
}

/** What the line after a signal reads of the session: its requests under way. */
function apiOf(session: Session) {
  const { client, target } = session;
  const name = target === "local" ? "the embedded emulator (--local)" : `the API at ${target}`;
  return { name, underWay: () => client.underWay(), sent: () => client.stats().requests };
}

function noteOwnInputs(inputs: CommandInputs, io: CliIo, logger: Logger | undefined) {
  const note = inputs.note ?? ((line: string) => logger?.warn(line));
  return noteOwnFiles(
    [...inputs.paths],
    { cwd: io.cwd, stdoutFile: io.stdoutFile, ...inputs.own },
    note,
  );
}
