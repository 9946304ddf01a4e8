import type { z } from "zod";
import { ApiError } from "../core/errors.js";
import { type Logger, redactSecrets } from "../core/logger.js";
import { VERSION } from "../version.js";
import {
  describeErrorAnswer,
  describeUnparsed,
  isAnswerTooLarge,
  parseJson,
  parseRetryAfter,
  redactError,
  summarizeZodIssues,
} from "./http-errors.js";
import { describeNetworkFailure } from "./network-errors.js";
import { fetchWithNodeHttp } from "./node-fetch.js";
import { type RequestPool, sleepMs } from "./pool.js";
import { buildRequestUrl, checkUrlLength, type Query } from "./url.js";

export { MAX_URL_BYTES, type Query } from "./url.js";

/**
 * One JSON request to the API, with timeout, retries and the error it ends in.
 * Each attempt takes a slot of the run's request pool; the wait between attempts does not.
 */

/** Answers worth another try: rate limited, or a proxy/gateway that could not reach the API. */
export const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
export const DEFAULT_TIMEOUT_MS = 30_000;

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

export interface HttpOptions {
  /** e.g. `https://api.siftstack.com`, without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  pool: RequestPool;
  fetch?: typeof fetch;
  timeoutMs?: number;
  retry?: RetryOptions;
  logger?: Logger;
  /**
   * Where the base URL came from (`--api-url`, `SIFT_REST_URI`, `profile staging`): errors
   * that point at the URL name it. By default they name `--api-url or SIFT_REST_URI`.
   */
  urlSource?: string;
  /** For tests: the jitter source (default Math.random). */
  random?: () => number;
}

export interface HttpRequest<T> {
  /** The RPC's name, for stats and logs: `ListRuns`, `CreateAdhocRun`. */
  operation: string;
  method: "GET" | "POST" | "PATCH";
  path: string;
  query?: Query;
  body?: unknown;
  /** Parses the answer; a mismatch is an ApiError "unexpected response". */
  schema: z.ZodType<T>;
  /** Aborts the request and its retries (not retried itself). */
  signal?: AbortSignal;
}

export interface HttpStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** How many of those were retries. */
  retries: number;
  /** Requests sent per operation. */
  byOperation: Record<string, number>;
}

export interface Http {
  send<T>(request: HttpRequest<T>): Promise<T>;
  /** The full URL a request would use. */
  buildUrl(path: string, query?: Query): string;
  stats(): HttpStats;
}

/** What one attempt came to: a value, a reason to try again, or a final error. */
type Attempt<T> =
  | { kind: "ok"; value: T }
  | { kind: "retry"; error: ApiError; retryAfterMs?: number }
  | { kind: "fail"; error: ApiError };

export function createHttp(options: HttpOptions): Http {
  const fetchImpl = options.fetch ?? fetchWithNodeHttp;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;
  const { pool, logger, apiKey } = options;
  const host = safeHost(options.baseUrl);
  const redact = (text: string) => redactSecrets(text, [apiKey]);
  const stats: HttpStats = { requests: 0, retries: 0, byOperation: {} };
  const hints = urlHints(options.baseUrl, options.urlSource);
  /** Connection retries already shown at warn level: one line per reason and attempt number. */
  const warned = new Set<string>();

  const buildUrl = (path: string, query?: Query) => buildRequestUrl(options.baseUrl, path, query);

  async function attempt<T>(req: HttpRequest<T>, url: string, name: string): Promise<Attempt<T>> {
    stats.requests++;
    stats.byOperation[req.operation] = (stats.byOperation[req.operation] ?? 0) + 1;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, {
        method: req.method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: "application/json",
          "user-agent": `sift-run-sync/${VERSION}`,
          ...(req.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      const cause = redactError(error, redact);
      if (req.signal?.aborted) {
        return { kind: "fail", error: connectionError(name, "request aborted", cause) };
      }
      const failure = timeout.aborted
        ? { transient: true, message: `no answer from ${host} within ${timeoutMs / 1000} s` }
        : describeNetworkFailure(error, options.baseUrl);
      const why = redact(failure.message);
      logger?.debug({ request: name, error: why }, "no answer");
      if (!failure.transient) return { kind: "fail", error: connectionError(name, why, cause) };
      return { kind: "retry", error: connectionError(name, why, cause) };
    }
    logger?.debug({ request: name, status: response.status }, "answer");
    if (response.ok) return readAnswer(req.schema, text, name, response.status);
    const { grpcCode, apiMessage } = describeErrorAnswer(
      response.status,
      response.statusText,
      text,
    );
    // An answer too large to send is no throttling: the same request would fail again, and
    // slowing the whole run down would not help. The caller asks for less (a smaller page).
    const answerTooLarge = isAnswerTooLarge(response.status, grpcCode, apiMessage);
    const error = new ApiError({
      request: name,
      status: response.status,
      grpcCode,
      apiMessage: redact(apiMessage),
      answerTooLarge,
    });
    if (answerTooLarge || !RETRYABLE_STATUS.has(response.status)) return { kind: "fail", error };
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
    if (response.status === 429) pool.noteThrottled(capRetryAfter(retryAfterMs));
    return { kind: "retry", error, retryAfterMs };
  }

  function readAnswer<T>(
    schema: z.ZodType<T>,
    text: string,
    name: string,
    status: number,
  ): Attempt<T> {
    pool.noteSuccess();
    const json = text.trim() === "" ? {} : parseJson(text);
    const parsed = json === undefined ? undefined : schema.safeParse(json);
    if (parsed?.success) return { kind: "ok", value: parsed.data };
    const why = parsed ? summarizeZodIssues(parsed.error) : describeUnparsed(text);
    const apiMessage = redact(`unexpected response from ${name}: ${why}`);
    return { kind: "fail", error: new ApiError({ request: name, status, apiMessage }) };
  }

  function capRetryAfter(ms: number | undefined): number | undefined {
    return ms === undefined ? undefined : Math.min(ms, retry.maxRetryAfterMs);
  }

  /** Full jitter: a uniform wait up to the exponential ceiling, but never before Retry-After. */
  function backoffMs(attemptNumber: number, retryAfterMs: number | undefined): number {
    const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attemptNumber - 1));
    return Math.max(random() * ceiling, capRetryAfter(retryAfterMs) ?? 0);
  }

  async function send<T>(req: HttpRequest<T>): Promise<T> {
    const url = buildUrl(req.path, req.query);
    const name = `${req.method} ${req.path}`;
    checkUrlLength(url, name);
    for (let n = 1; ; n++) {
      if (n > 1) stats.retries++;
      const result = await pool.run(() => attempt(req, url, name));
      if (result.kind === "ok") return result.value;
      const aborted = req.signal?.aborted === true;
      if (result.kind === "fail" || n >= retry.maxAttempts || aborted) {
        throw finalError(result.error, n, aborted, hints);
      }
      const delayMs = Math.round(backoffMs(n, result.retryAfterMs));
      const fields = { request: name, status: result.error.status, attempt: n, delayMs };
      const message = `retrying: ${result.error.apiMessage}`;
      // An API that cannot be reached is shown at the default level (warn), once per reason and
      // attempt however many requests meet it; answers worth a retry (429, 503) stay at info.
      const key = `${n} ${result.error.apiMessage}`;
      if (result.error.status === 0 && !warned.has(key)) {
        warned.add(key);
        logger?.warn(
          fields,
          `${message}; attempt ${n + 1} of ${retry.maxAttempts} in ${formatSeconds(delayMs)}`,
        );
      } else logger?.info(fields, message);
      await sleepMs(delayMs, req.signal);
      if (req.signal?.aborted) throw connectionError(name, "request aborted", undefined);
    }
  }

  return { send, buildUrl, stats: () => ({ ...stats, byOperation: { ...stats.byOperation } }) };
}

interface UrlHints {
  /** After an error that got no answer: where to check the URL. */
  unreachable: string;
  /** After a 404, when the URL's path looks like an API path: the base URL is the root. */
  notFound: string;
}

/**
 * `; check SIFT_REST_URI`, and for a base URL such as `https://host/api/v2`: `; SIFT_REST_URI
 * holds the path /api/v2: the base URL is the server's root (https://host)`.
 */
export function urlHints(baseUrl: string, source = "--api-url or SIFT_REST_URI"): UrlHints {
  const where = source.startsWith("profile ") ? `rest_uri of ${source} (sift.toml)` : source;
  let notFound = "";
  try {
    const url = new URL(baseUrl);
    if (/(^|\/)api(\/|$)/i.test(url.pathname)) {
      notFound = `; ${where} holds the path ${url.pathname}: the base URL is the server's root (${url.origin})`;
    }
  } catch {
    // not a URL: the request could not have been sent
  }
  return { unreachable: `; check ${where}`, notFound };
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function connectionError(request: string, apiMessage: string, cause: Error | undefined): ApiError {
  return new ApiError({ request, status: 0, apiMessage }, cause ? { cause } : undefined);
}

/** The error to throw: it says how many attempts were made, and where to look if none got an answer. */
function finalError(
  error: ApiError,
  attempts: number,
  aborted: boolean,
  hints: UrlHints,
): ApiError {
  const tried = attempts === 1 ? "" : ` (after ${attempts} attempts)`;
  const hint =
    error.status === 0 && !aborted
      ? hints.unreachable + hints.notFound
      : error.status === 404
        ? hints.notFound
        : "";
  const final =
    tried === "" && hint === ""
      ? error
      : new ApiError(
          {
            request: error.request,
            status: error.status,
            grpcCode: error.grpcCode,
            apiMessage: error.apiMessage + tried + hint,
            answerTooLarge: error.answerTooLarge,
          },
          { cause: error.cause },
        );
  // The caller needs to know an earlier attempt may have committed (a create's 409 is then ours).
  final.attempts = attempts;
  return final;
}

function safeHost(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}
