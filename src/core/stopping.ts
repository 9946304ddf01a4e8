import { setMaxListeners } from "node:events";

/**
 * How a command stops (Ctrl-C, SIGTERM, a library caller's AbortSignal), in two steps:
 * `stop` first, after which no new request or retry starts; then `abort`, which cuts off the
 * requests still under way. Between them the requests under way get a short grace, so that a
 * write that is about to be answered is reported as done rather than as unknown.
 */

/** How long requests under way may still take after a stop, before they are cut off. */
export const STOP_GRACE_MS = 5_000;

export interface Stopping {
  /** Aborted when stopping begins: no new request (nor retry) starts. */
  readonly stop: AbortSignal;
  /** Aborted when requests under way are cut off: after the grace, or at once. */
  readonly abort: AbortSignal;
}

export interface StoppingControl extends Stopping {
  /** Stop now; requests under way are cut off after the grace. Calling it again changes nothing. */
  requestStop(): void;
  /** Stop and cut off the requests under way now (a second Ctrl-C). */
  abortNow(): void;
  /** Clears the grace timer and listeners. */
  dispose(): void;
}

/**
 * A Stopping that starts when `signal` aborts (or when `requestStop` is called), and cuts off
 * the requests under way `graceMs` later.
 *
 * @example
 * const stopping = createStopping(controller.signal);
 * try { await apply({ paths, client, stopping }); } finally { stopping.dispose(); }
 */
export function createStopping(
  signal?: AbortSignal,
  options: { graceMs?: number } = {},
): StoppingControl {
  const graceMs = options.graceMs ?? STOP_GRACE_MS;
  const stop = new AbortController();
  const abort = new AbortController();
  // Every request and backoff under way listens to these: far more than Node's warning level.
  setMaxListeners(0, stop.signal, abort.signal);
  let timer: NodeJS.Timeout | undefined;
  const requestStop = () => {
    if (stop.signal.aborted) return;
    stop.abort();
    if (graceMs <= 0) return abort.abort();
    timer = setTimeout(() => abort.abort(), graceMs);
    timer.unref();
  };
  const abortNow = () => {
    requestStop();
    clearTimeout(timer);
    abort.abort();
  };
  if (signal?.aborted) requestStop();
  else signal?.addEventListener("abort", requestStop, { once: true });
  return {
    stop: stop.signal,
    abort: abort.signal,
    requestStop,
    abortNow,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", requestStop);
    },
  };
}

/** The Stopping a library caller's `signal` (and `stopGraceMs`) stand for; none without a signal. */
export function stoppingOf(options: {
  signal?: AbortSignal;
  stopGraceMs?: number;
}): StoppingControl | undefined {
  return options.signal && createStopping(options.signal, { graceMs: options.stopGraceMs });
}
