import type { ApiError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { RetryOptions } from "./limits.js";

/**
 * When a request is tried again and how loudly: full-jitter backoff that honours Retry-After
 * (capped), and one log line per pause or reason however many requests share it.
 */

/** A Retry-After wait ending within this of the last one shown is the same pause: not shown again. */
const RETRY_AFTER_SHOWN_AGAIN_MS = 1000;

export interface Retries {
  /** Retry-After as this client honours it (at most `maxRetryAfterMs`). */
  capRetryAfter(ms: number | undefined): number | undefined;
  /** The wait before attempt `attemptNumber + 1`. */
  backoffMs(attemptNumber: number, retryAfterMs: number | undefined): number;
  /** Logs the wait before attempt `n + 1`: at warn when the API cannot be reached or asked for it. */
  log(
    name: string,
    n: number,
    result: { error: ApiError; retryAfterMs?: number },
    delayMs: number,
  ): void;
}

/** The retries of one client: its log state is shared by all of its requests. */
export function createRetries(
  retry: Required<RetryOptions>,
  random: () => number,
  logger: Logger | undefined,
): Retries {
  /** Connection retries already shown at warn level: one line per reason and attempt number. */
  const warned = new Set<string>();
  /** When the last Retry-After wait shown ends: the requests that share one pause show it once. */
  let shownWaitUntil = 0;
  /** Whether any retry was logged yet: the first one is always shown at the default level. */
  let retried = false;

  function capRetryAfter(ms: number | undefined): number | undefined {
    return ms === undefined ? undefined : Math.min(ms, retry.maxRetryAfterMs);
  }

  /** Full jitter: a uniform wait up to the exponential ceiling, but never before Retry-After. */
  function backoffMs(attemptNumber: number, retryAfterMs: number | undefined): number {
    const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attemptNumber - 1));
    return Math.max(random() * ceiling, capRetryAfter(retryAfterMs) ?? 0);
  }

  function log(
    name: string,
    n: number,
    result: { error: ApiError; retryAfterMs?: number },
    delayMs: number,
  ): void {
    const { error, retryAfterMs } = result;
    const first = !retried;
    retried = true;
    const fields = { request: name, status: error.status, attempt: n, delayMs };
    const message = `retrying: ${error.apiMessage}`;
    const next = `attempt ${n + 1} of ${retry.maxAttempts} in ${formatSeconds(delayMs)}`;
    if (retryAfterMs !== undefined) {
      // A wait the API asked for is shown at the default level (warn), once for all the
      // requests that share it (the pool pauses for everyone).
      const until = Date.now() + delayMs;
      if (until <= shownWaitUntil + RETRY_AFTER_SHOWN_AGAIN_MS)
        return logger?.info(fields, message);
      shownWaitUntil = until;
      const asked = formatSeconds(retryAfterMs);
      const capped =
        retryAfterMs > retry.maxRetryAfterMs
          ? ` (Retry-After asked for ${asked}; this client waits at most ${formatSeconds(retry.maxRetryAfterMs)})`
          : ` (Retry-After: ${asked})`;
      return logger?.warn({ ...fields, retryAfterMs }, `${message}; ${next}${capped}`);
    }
    // An API that cannot be reached is shown at the default level (warn), once per reason and
    // attempt however many requests meet it; other answers worth a retry (429, 503) at info.
    // The first retry of the run is shown whatever its reason: a CI log never sits silent.
    const key = `${n} ${error.apiMessage}`;
    if (first || (error.status === 0 && !warned.has(key))) {
      warned.add(key);
      return logger?.warn(fields, `${message}; ${next}`);
    }
    logger?.info(fields, message);
  }

  return { capRetryAfter, backoffMs, log };
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
