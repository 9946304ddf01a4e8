/**
 * Every bound the client puts on a request, its retries and its answer, with its default, in
 * one place: `createSiftClient` takes any of them (tests shorten them; flags may set them).
 */

export interface RetryOptions {
  /** First backoff ceiling; doubles each attempt. Default 200 ms. */
  baseDelayMs?: number;
  /** Ceiling of any one backoff. Default 10 s. */
  maxDelayMs?: number;
  /** Attempts in all, the first included. Default 8. */
  maxAttempts?: number;
  /** A longer Retry-After than this is cut to it. Default 60 s. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxAttempts: 8,
  maxRetryAfterMs: 60_000,
};

/** One attempt gets this long for its whole answer. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The largest answer read: beyond it the answer is cut off and the request fails (not retried).
 * Sift's own gRPC clients accept 50 MB; a page of 1,000 wide runs stays well below.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * Pages in a row that bring nothing new (no item, or only the items of a page already seen)
 * before a listing stops with an error: a server whose page tokens never end would page forever.
 */
export const MAX_PAGES_WITHOUT_PROGRESS = 10;

export interface RequestLimits {
  timeoutMs: number;
  retry: Required<RetryOptions>;
  maxAnswerBytes: number;
  maxPagesWithoutProgress: number;
}

/** The limits given, the defaults for the rest. */
export function requestLimits(
  given: Partial<Omit<RequestLimits, "retry">> & { retry?: RetryOptions } = {},
): RequestLimits {
  return {
    timeoutMs: given.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...given.retry },
    maxAnswerBytes: given.maxAnswerBytes ?? MAX_ANSWER_BYTES,
    maxPagesWithoutProgress: given.maxPagesWithoutProgress ?? MAX_PAGES_WITHOUT_PROGRESS,
  };
}
