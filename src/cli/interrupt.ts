import { UsageError } from "../core/errors.js";
import { createStopping, STOP_GRACE_MS, type Stopping } from "../core/stopping.js";
import { EXIT_SIGNAL } from "./exit-codes.js";
import type { CliIo, StopSignal } from "./io.js";

/**
 * Ctrl-C and SIGTERM, the same way for every command that talks to the API. The first signal
 * stops: no new request or retry starts, requests under way get STOP_GRACE_MS, then are cut
 * off, and the command ends with its document and exit code 130 (SIGINT) or 143 (SIGTERM). A
 * second signal cuts the requests off at once and quits. Whatever happens, the process is gone
 * within STOP_DEADLINE_MS of the first signal: what the command has not written by then is
 * written by its `quit` (the summary it can give), and the process exits.
 */

/** The most a command may take after the first signal before it quits. */
const STOP_DEADLINE_MS = 9_000;
/** After a second signal: the moment the command has to end on its own before it quits. */
const QUIT_AFTER_SECOND_SIGNAL_MS = 500;

/**
 * `SIFT_RUN_SYNC_STOP_SCALE` (a number in (0, 1]): the grace after the first signal and the
 * deadline scaled by it. For tests, so that a scenario that waits out the grace (a request
 * that hangs) takes a fraction of its 5 s; unset, 1.
 */
const STOP_SCALE_ENV = "SIFT_RUN_SYNC_STOP_SCALE";

function stopScaleOf(env: Record<string, string | undefined>): number {
  const raw = env[STOP_SCALE_ENV]?.trim();
  if (!raw) return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1)
    throw new UsageError(`${STOP_SCALE_ENV}=${raw} is not a number in (0, 1]`);
  return scale;
}

export interface CommandStop {
  stopping: Stopping;
  /** 130 or 143 once a signal came, else undefined. */
  exitCode(): number | undefined;
  /** The command ended on its own: stop listening; `quit` will not be called. */
  end(): void;
}

export interface StopHandlers {
  /** At the first signal (say what happens now: the requests under way get `graceMs`). */
  onStop?(signal: StopSignal, graceMs: number): void;
  /** At a second signal, before the requests under way are cut off and the command quits. */
  onSecond?(signal: StopSignal): void;
  /** When the command did not end in time: write what can be written, synchronously. */
  quit?(exitCode: number): void;
  graceMs?: number;
}

export function listenForStop(io: CliIo, handlers: StopHandlers = {}): CommandStop {
  const scale = stopScaleOf(io.env);
  const graceMs = (handlers.graceMs ?? STOP_GRACE_MS) * scale;
  const control = createStopping(undefined, { graceMs });
  let code: number | undefined;
  let ended = false;
  const quit = () => {
    if (!ended) {
      ended = true;
      try {
        handlers.quit?.(code!);
      } finally {
        io.exit?.(code!);
      }
    } else io.exit?.(code!); // ended, but something keeps the process alive: go
  };
  const later = (ms: number) => setTimeout(quit, ms).unref();
  const stopListening = io.onInterrupt?.((signal) => {
    if (code === undefined) {
      code = EXIT_SIGNAL[signal] ?? EXIT_SIGNAL.SIGINT;
      control.requestStop();
      handlers.onStop?.(signal, graceMs);
      later(STOP_DEADLINE_MS * scale);
      return;
    }
    if (!ended && !control.abort.aborted) handlers.onSecond?.(signal);
    control.abortNow();
    later(QUIT_AFTER_SECOND_SIGNAL_MS);
  });
  return {
    stopping: control,
    exitCode: () => code,
    end() {
      ended = true;
      stopListening?.();
      control.dispose();
    },
  };
}
