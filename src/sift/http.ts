import { STATUS_CODES } from "node:http";
import type { z } from "zod";
import { ApiError, type ApiErrorReason } from "../core/errors.js";
import { type Logger, redactSecrets } from "../core/logger.js";
import { VERSION } from "../core/version.js";
import {
  describeErrorAnswer,
  describeUnparsed,
  isAnswerTooLarge,
  parseJson,
  parseRetryAfter,
  redactError,
  summarizeZodIssues,
} from "./http-errors.js";
import { type RequestLimits, requestLimits, type RetryOptions } from "./limits.js";
import { describeNetworkFailure } from "./network-errors.js";
import { AnswerTooLargeError, createNodeFetch, exchangeOf, formatBytes } from "./node-fetch.js";
import type { Proxy } from "./proxy.js";
import { type RequestPool, sleepMs } from "./pool.js";
import { buildRequestUrl, checkUrlLength, type Query } from "./url.js";

export { MAX_URL_BYTES, type Query } from "./url.js";
export { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, type RetryOptions } from "./limits.js";

/**
 * One JSON request to the API, with timeout, retries and the error it ends in.
 * Each attempt takes a slot of the run's request pool; the wait between attempts does not.
 */

/** Answers worth another try: rate limited, or a proxy/gateway that could not reach the API. */
export const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
export interface HttpOptions {
  /** e.g. `https://api.siftstack.com`, without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  pool: RequestPool;
  fetch?: typeof fetch;
  timeoutMs?: number;
  retry?: RetryOptions;
  /** The largest answer read (default MAX_ANSWER_BYTES); a larger one fails, not retried. */
  maxAnswerBytes?: number;
  logger?: Logger;
  /**
   * Where the base URL came from (`--api-url`, `SIFT_REST_URI`, `profile staging`): errors
   * that point at the URL name it. By default they name `--api-url or SIFT_REST_URI`.
   */
  urlSource?: string;
  /** For tests: the jitter source (default Math.random). */
  random?: () => number;
  /** The default transport sends through this proxy (see proxy.ts); ignored with `fetch`. */
  proxy?: Proxy;
  /** The default transport trusts these CAs instead of node's store (see ca.ts); ignored with `fetch`. */
  ca?: string[];
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
  /** Aborts the request and its retries (not retried itself): an attempt under way is cut off. */
  signal?: AbortSignal;
  /**
   * Once aborted, no new attempt starts (nor a retry): the request fails as interrupted, but
   * an attempt under way goes on until it is answered or `signal` aborts.
   */
  stop?: AbortSignal;
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
  /** `silent`: a new connection was accepted and nothing at all came back before the timeout. */
  | {
      kind: "retry";
      error: ApiError;
      retryAfterMs?: number;
      /** What stayed silent: the API, or the proxy (it accepted the CONNECT's connection). */
      silent?: "api" | "proxy";
    }
  | { kind: "fail"; error: ApiError }
  /** Not sent: stopping began while it waited for a slot. */
  | { kind: "stopped" }
  /** Not sent: the API was found silent meanwhile (see `send`). */
  | { kind: "silent" };

export function createHttp(options: HttpOptions): Http {
  const limits: RequestLimits = requestLimits(options);
  const { retry, timeoutMs } = limits;
  const { proxy } = options;
  const fetchImpl =
    options.fetch ??
    createNodeFetch({ maxAnswerBytes: limits.maxAnswerBytes, proxy, ca: options.ca });
  const random = options.random ?? Math.random;
  const { pool, logger, apiKey } = options;
  const host = safeHost(options.baseUrl);
  const secrets = proxy?.password ? [apiKey, proxy.password] : [apiKey];
  const redact = (text: string) => redactSecrets(text, secrets);
  const stats: HttpStats = { requests: 0, retries: 0, byOperation: {} };
  const hints = urlHints(options.baseUrl, options.urlSource);
  /** Connection retries already shown at warn level: one line per reason and attempt number. */
  const warned = new Set<string>();
  /** When the last Retry-After wait shown ends: the requests that share one pause show it once. */
  let shownWaitUntil = 0;
  /** Whether any retry was logged yet: the first one is always shown at the default level. */
  let retried = false;
  /** Anything at all (a status line) came back from the API in this run. */
  let everAnswered = false;
  /** Some request already found the API silent (see `send`): the others stop at their first silence. */
  let silentApi = false;

  const buildUrl = (path: string, query?: Query) => buildRequestUrl(options.baseUrl, path, query);

  async function attempt<T>(req: HttpRequest<T>, url: string, name: string): Promise<Attempt<T>> {
    if (req.stop?.aborted || req.signal?.aborted) return { kind: "stopped" };
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
      text = await readText(response, limits.maxAnswerBytes);
    } catch (error) {
      const cause = redactError(error, redact);
      if (req.signal?.aborted) {
        const why = "interrupted: cut off before its answer came";
        return { kind: "fail", error: connectionError(name, why, cause, "interrupted") };
      }
      if (error instanceof AnswerTooLargeError) {
        // NOTE: not retried: the same request gets the same answer. A smaller page is the way.
        const apiMessage = `the answer is larger than ${formatBytes(error.maxBytes)}, the most this client reads: stopped reading it`;
        const init = {
          request: name,
          status: error.status,
          apiMessage,
          reason: "too-large" as const,
        };
        return { kind: "fail", error: new ApiError(init, { cause }) };
      }
      if (timeout.aborted) {
        const exchange = exchangeOf(error);
        if (exchange?.answered) everAnswered = true;
        const within = `within ${formatTimeout(timeoutMs)}`;
        const why =
          exchange?.proxyStalled && proxy
            ? `no answer from the proxy ${proxy.display} (from ${proxy.variable}) to its CONNECT ${within}`
            : `no answer from ${host} ${within}`;
        logger?.debug({ request: name, error: why }, "no answer");
        // NOTE: a kept-alive connection may have died unseen: only a new one that was made
        // and stayed silent says something about the server.
        const silent =
          exchange === undefined || exchange.answered
            ? undefined
            : exchange.proxyStalled
              ? exchange.proxyConnected
                ? ("proxy" as const)
                : undefined
              : exchange.fresh && exchange.connected
                ? ("api" as const)
                : undefined;
        return { kind: "retry", error: connectionError(name, why, cause), silent };
      }
      const failure = describeNetworkFailure(error, options.baseUrl);
      const why = redact(failure.message);
      logger?.debug({ request: name, error: why }, "no answer");
      const reason = failure.proxy ? ("proxy" as const) : undefined;
      const failed = connectionError(name, why, cause, reason);
      if (!failure.transient) return { kind: "fail", error: failed };
      return { kind: "retry", error: failed };
    }
    everAnswered = true;
    logger?.debug({ request: name, status: response.status }, "answer");
    if (response.ok) return readAnswer(req.schema, text, name, response.status);
    const described = describeErrorAnswer(response.status, response.statusText, text);
    const { grpcCode } = described;
    const apiMessage = describeRedirect(response, url) ?? described.apiMessage;
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
    if (text.trim() === "") {
      // NOTE: every answer of this API is a JSON object; an empty one read as `{}` would say
      // "no runs exist" and lead to creates. A proxy or server that lost the body: try again.
      const apiMessage = `a broken answer: HTTP ${status} with an empty body`;
      const error = new ApiError({ request: name, status, apiMessage, reason: "broken-answer" });
      return { kind: "retry", error };
    }
    pool.noteSuccess();
    const json = parseJson(text);
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

  /** Logs the wait before attempt `n + 1`: at warn when the API cannot be reached or asked for it. */
  function logRetry(
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

  /** Who accepted connections and said nothing, for the sentence that gives up on it. */
  function silentWho(what: "api" | "proxy" | undefined): string {
    if (what === "proxy" && proxy) {
      return `the proxy ${proxy.display} (from ${proxy.variable}) accepted the connection but answered nothing to CONNECT`;
    }
    const source = options.urlSource?.startsWith("profile ")
      ? `rest_uri of ${options.urlSource}`
      : (options.urlSource ?? "--api-url");
    return `the API accepted the connection but sent nothing; is ${source} a Sift API?`;
  }

  async function send<T>(req: HttpRequest<T>): Promise<T> {
    const url = buildUrl(req.path, req.query);
    const name = `${req.method} ${req.path}`;
    checkUrlLength(url, name);
    /** Answers 429 so far: when every attempt got one, the API is rate limiting us. */
    let throttled = 0;
    /** Attempts on new connections that the API accepted and never answered at all. */
    let silences = 0;
    let lastSilent: "api" | "proxy" = "api";
    for (let n = 1; ; n++) {
      if (req.stop?.aborted || req.signal?.aborted) throw interruptedError(name, n - 1);
      if (n > 1) stats.retries++;
      // NOTE: a stop comes before (or with) the cut-off, so waking on it is enough in the pool.
      // Once the API was found silent (and nothing ever answered), no request waits out
      // another timeout: not a retry, nor a later request (the sync cache's probe comes first).
      const result = await pool.run(
        () =>
          silentApi && !everAnswered
            ? Promise.resolve<Attempt<T>>({ kind: "silent" })
            : attempt(req, url, name),
        req.stop ?? req.signal,
      );
      if (result.kind === "silent") {
        stats.retries--;
        throw silentError(name, n - 1, timeoutMs, silentWho(lastSilent), undefined);
      }
      if (result.kind === "stopped") {
        if (n > 1) stats.retries--;
        throw interruptedError(name, n - 1);
      }
      if (result.kind === "ok") return result.value;
      if (result.error.status === 429) throttled++;
      if (result.kind === "retry" && result.silent && !everAnswered) {
        silences++;
        lastSilent = result.silent;
        // NOTE: a server that accepts connections and never says a word is no Sift API (or a
        // wrong port, or a dead backend behind a TCP balancer): twice is enough to say so.
        // Anything that ever answered (even slowly, even an error) keeps the full budget.
        if (silences >= 2 || silentApi) {
          silentApi = true;
          throw silentError(name, n, timeoutMs, silentWho(result.silent), result.error);
        }
      }
      if (result.kind === "fail" || n >= retry.maxAttempts) {
        const rateLimited = result.kind === "retry" && throttled === n;
        throw finalError(result.error, n, hints, rateLimited);
      }
      const delayMs = Math.round(backoffMs(n, result.retryAfterMs));
      logRetry(name, n, result, delayMs);
      await sleepMs(delayMs, req.stop, req.signal);
    }
  }

  return { send, buildUrl, stats: () => ({ ...stats, byOperation: { ...stats.byOperation } }) };
}

/**
 * For a 3xx: where it points, and why it is not followed. NOTE: never followed: the key would
 * go with the request to wherever the redirect says. The query string is left out (it may hold
 * the other server's tokens).
 */
function describeRedirect(response: Response, url: string): string | undefined {
  if (response.status < 300 || response.status > 399) return undefined;
  const reason = response.statusText || STATUS_CODES[response.status] || "redirect";
  const location = response.headers.get("location");
  if (location === null || location.trim() === "")
    return `${reason}, a redirect without a Location`;
  let where = location.trim();
  try {
    const target = new URL(where, url);
    where = `${target.origin}${target.pathname}${target.search === "" ? "" : "?..."}`;
  } catch {
    where = JSON.stringify(where.slice(0, 200));
  }
  return `${reason}: redirects to ${where}, not followed (the API key would go with it; if Sift is there, make that the base URL)`;
}

/** A Retry-After wait ending within this of the last one shown is the same pause: not shown again. */
const RETRY_AFTER_SHOWN_AGAIN_MS = 1000;

/**
 * The answer's text, at most `maxBytes` of it. The default transport enforces the cap itself;
 * an injected fetch's body stream is read through a byte counter.
 */
async function readText(response: Response, maxBytes: number): Promise<string> {
  const body = (response as { body?: unknown }).body;
  if (!(body instanceof ReadableStream)) return response.text();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as ReadableStream<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new AnswerTooLargeError(maxBytes, response.status);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
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

/** `30 s`, `0.2 s`. */
function formatTimeout(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * The request's end when the API (or the proxy) accepted connections and never answered
 * anything. `who` is silentWho's sentence: the time is put in before its `;`.
 */
function silentError(
  request: string,
  attempts: number,
  timeoutMs: number,
  who: string,
  last: ApiError | undefined,
): ApiError {
  const [head, tail] = who.split(";");
  const apiMessage = `${head} in ${formatTimeout(timeoutMs)}, twice${tail === undefined ? "" : `;${tail}`}`;
  const error = new ApiError(
    { request, status: 0, apiMessage, reason: "silent" },
    last?.cause ? { cause: last.cause } : undefined,
  );
  error.attempts = attempts;
  return error;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function connectionError(
  request: string,
  apiMessage: string,
  cause: Error | undefined,
  reason?: ApiErrorReason,
): ApiError {
  return new ApiError({ request, status: 0, apiMessage, reason }, cause ? { cause } : undefined);
}

/** Stopping began: `sent` attempts went out before (none: the request was never sent). */
function interruptedError(request: string, sent: number): ApiError {
  const apiMessage =
    sent === 0 ? "interrupted: not sent" : `interrupted: not retried after ${attemptsText(sent)}`;
  const error = connectionError(request, apiMessage, undefined, "interrupted");
  error.attempts = sent;
  return error;
}

function attemptsText(n: number): string {
  return n === 1 ? "1 attempt" : `${n} attempts`;
}

/**
 * The error to throw: it says how many attempts were made, and where to look if none got an
 * answer. When every attempt was answered 429, it says the API is rate limiting.
 */
function finalError(
  error: ApiError,
  attempts: number,
  hints: UrlHints,
  rateLimited: boolean,
): ApiError {
  const interrupted = error.reason === "interrupted";
  const tried = attempts === 1 ? "" : ` (after ${attempts} attempts)`;
  // A proxy's refusal names the proxy and its variable: the API URL is not the thing to check.
  const hint =
    error.status === 0 && !interrupted && error.reason !== "proxy"
      ? hints.unreachable + hints.notFound
      : error.status === 404
        ? hints.notFound
        : "";
  const apiMessage = rateLimited
    ? `Sift kept answering 429 (rate limited) for ${attemptsText(attempts)}: ${error.apiMessage}`
    : error.apiMessage + tried + hint;
  const final =
    apiMessage === error.apiMessage
      ? error
      : new ApiError(
          {
            request: error.request,
            status: error.status,
            grpcCode: error.grpcCode,
            apiMessage,
            reason: rateLimited ? "rate-limited" : error.reason,
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
