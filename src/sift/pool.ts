import pLimit from "p-limit";

/**
 * The one request pool of a run: every HTTP request of lookups and writes starts through it,
 * so `--concurrency` bounds what is in flight to the API and `--max-rps` its rate.
 * On a 429 the pool backs off for everyone (AIMD): it halves its limit and pauses new starts
 * until the server's Retry-After; steady successes raise the limit again, one at a time.
 */

const DEFAULT_CONCURRENCY = 8;

export interface PoolOptions {
  /** Most requests in flight at once (the configured maximum). Default 8. */
  concurrency?: number;
  /** Most request starts per second. Unlimited when absent. */
  maxRps?: number;
  /** Injectable clock and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PoolStats {
  /** Requests running now. */
  inFlight: number;
  /** The most that ever ran at once. */
  maxInFlight: number;
  /** The effective limit now (lowered after 429s, at most `maxConcurrency`). */
  limit: number;
  maxConcurrency: number;
  /** Requests waiting for a slot. */
  queued: number;
  /** How many 429s lowered the limit. */
  throttled: number;
}

export interface RequestPool {
  /**
   * Runs `task` when a slot is free, no pause is in force and the rate allows. Once `wake`
   * aborts, `task` runs without waiting out a pause or the rate (it is then expected to
   * return at once, as a request that is not sent does).
   */
  run<T>(task: () => Promise<T>, wake?: AbortSignal): Promise<T>;
  /** A request got 429: halve the limit, and pause new starts for `retryAfterMs` if given. */
  noteThrottled(retryAfterMs?: number): void;
  /** A request succeeded: after enough of them, raise the limit by one. */
  noteSuccess(): void;
  stats(): PoolStats;
}

/**
 * @example
 * const pool = createRequestPool({ concurrency: 8, maxRps: 50 });
 * const run = await pool.run(() => fetchRun(id));
 */
export function createRequestPool(options: PoolOptions = {}): RequestPool {
  const maxConcurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepMs;
  const startInterval = options.maxRps ? 1000 / options.maxRps : 0;
  const limit = pLimit(maxConcurrency);
  let pausedUntil = 0;
  let nextStartAt = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let throttled = 0;
  let successesSinceChange = 0;
  let lastHalvedAt = Number.NEGATIVE_INFINITY;

  /** Waits out any pause and claims the next start time the rate allows. */
  async function waitForStart(wake: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (wake?.aborted) return;
      const wait = pausedUntil - now();
      if (wait <= 0) break;
      await sleep(wait, wake);
    }
    if (startInterval === 0 || wake?.aborted) return;
    const at = Math.max(now(), nextStartAt);
    nextStartAt = at + startInterval;
    const wait = at - now();
    if (wait > 0) await sleep(wait, wake);
  }

  return {
    run(task, wake) {
      // NOTE: waiting for a pause or the rate holds the slot: nothing may start then anyway.
      return limit(async () => {
        await waitForStart(wake);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await task();
        } finally {
          inFlight--;
        }
      });
    },
    noteThrottled(retryAfterMs) {
      throttled++;
      successesSinceChange = 0;
      // The requests already in flight when the server pushed back answer 429 together:
      // that is one signal, so halve once per cooldown, not once per answer.
      if (now() - lastHalvedAt >= HALVING_COOLDOWN_MS) {
        lastHalvedAt = now();
        limit.concurrency = Math.max(1, Math.floor(limit.concurrency / 2));
      }
      if (retryAfterMs !== undefined && retryAfterMs > 0) {
        pausedUntil = Math.max(pausedUntil, now() + retryAfterMs);
      }
    },
    noteSuccess() {
      if (limit.concurrency >= maxConcurrency) return;
      // Additive increase: one more slot per "window" of successes at the current limit.
      successesSinceChange++;
      if (successesSinceChange >= limit.concurrency * SUCCESSES_PER_SLOT) {
        successesSinceChange = 0;
        limit.concurrency = Math.min(maxConcurrency, limit.concurrency + 1);
      }
    },
    stats() {
      return {
        inFlight,
        maxInFlight,
        limit: limit.concurrency,
        maxConcurrency,
        queued: limit.pendingCount,
        throttled,
      };
    },
  };
}

/** After halving, further 429s within this time do not halve again. */
const HALVING_COOLDOWN_MS = 1000;
/** Successes needed per slot of the current limit before it grows by one. */
const SUCCESSES_PER_SLOT = 2;

/** Resolves after `ms`, or as soon as one of `signals` aborts. */
export function sleepMs(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal?.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const signal of signals) signal?.addEventListener("abort", done, { once: true });
  });
}
