import { ApiError } from "../core/errors.js";
import { redactSecrets } from "../core/logger.js";
import { VERSION } from "../core/version.js";
import {
  describeErrorAnswer,
  describeRedirect,
  describeUnparsed,
  isAnswerTooLarge,
  parseJson,
  parseRetryAfter,
  redactError,
  summarizeZodIssues,
} from "./http-errors.js";
import type { Http, HttpOptions, HttpRequest, HttpStats, UnderWay } from "./http-types.js";
import { type RequestLimits, requestLimits } from "./limits.js";
import { describeNetworkFailure } from "./network-errors.js";
import { AnswerTooLargeError, createNodeFetch, exchangeOf, formatBytes } from "./node-fetch.js";
import { sleepMs } from "./pool.js";
import {
  connectionError,
  finalError,
  formatTimeout,
  interruptedError,
  silentError,
  urlHints,
} from "./request-failure.js";
import { createRetries } from "./retries.js";
import { buildRequestUrl, checkUrlLength, type Query } from "./url.js";

/**
 * One JSON request to the API, with timeout, retries and the error it ends in.
 * Each attempt takes a slot of the run's request pool; the wait between attempts does not.
 */

/** Answers worth another try: rate limited, or a proxy/gateway that could not reach the API. */
export const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

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
  const { pool, logger, apiKey } = options;
  const host = safeHost(options.baseUrl);
  const secrets = proxy?.password ? [apiKey, proxy.password] : [apiKey];
  const redact = (text: string) => redactSecrets(text, secrets);
  const stats: HttpStats = { requests: 0, retries: 0, byOperation: {} };
  const hints = urlHints(options.baseUrl, options.urlSource);
  const retries = createRetries(retry, options.random ?? Math.random, logger);
  /** Anything at all (a status line) came back from the API in this run. */
  let everAnswered = false;
  /** Some request already found the API silent (see `send`): the others stop at their first silence. */
  let silentApi = false;
  /** The `Date` header of the newest good answer (ms). */
  let answerDate: number | undefined;
  /** The attempts sent and not answered yet, by when they were sent (for `underWay`). */
  const sent = new Set<{ request: string; sinceMs: number }>();
  /** Requests waiting out a backoff. */
  let retrying = 0;

  const buildUrl = (path: string, query?: Query) => buildRequestUrl(options.baseUrl, path, query);

  async function attempt<T>(req: HttpRequest<T>, url: string, name: string): Promise<Attempt<T>> {
    if (req.stop?.aborted || req.signal?.aborted) return { kind: "stopped" };
    stats.requests++;
    stats.byOperation[req.operation] = (stats.byOperation[req.operation] ?? 0) + 1;
    const attemptSignal = new AttemptSignal(timeoutMs, req.signal);
    const { signal } = attemptSignal;
    let response: Response;
    let text: string;
    const underWay = { request: name, sinceMs: performance.now() };
    sent.add(underWay);
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
      attemptSignal.dispose();
      sent.delete(underWay);
    } catch (error) {
      attemptSignal.dispose();
      sent.delete(underWay);
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
      if (attemptSignal.timedOut) {
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
    if (response.ok) {
      const date = Date.parse(response.headers.get("date") ?? "");
      if (!Number.isNaN(date)) answerDate = Math.max(answerDate ?? date, date);
      return readAnswer(req, text, name, response.status);
    }
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
    if (response.status === 429) pool.noteThrottled(retries.capRetryAfter(retryAfterMs));
    return { kind: "retry", error, retryAfterMs };
  }

  function readAnswer<T>(
    { schema, read }: Pick<HttpRequest<T>, "schema" | "read">,
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
    const quick = json === undefined ? undefined : read?.(json);
    if (quick !== undefined) return { kind: "ok", value: quick };
    const parsed = json === undefined ? undefined : schema.safeParse(json);
    if (parsed?.success) return { kind: "ok", value: parsed.data };
    const why = parsed ? summarizeZodIssues(parsed.error) : describeUnparsed(text);
    const apiMessage = redact(`unexpected response from ${name}: ${why}`);
    return { kind: "fail", error: new ApiError({ request: name, status, apiMessage }) };
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
      const delayMs = Math.round(retries.backoffMs(n, result.retryAfterMs));
      retries.log(name, n, result, delayMs);
      retrying++;
      try {
        await sleepMs(delayMs, req.stop, req.signal);
      } finally {
        retrying--;
      }
    }
  }

  return {
    send,
    buildUrl,
    stats: () => ({ ...stats, byOperation: { ...stats.byOperation } }),
    lastAnswerDate: () => answerDate,
    underWay: (): UnderWay => ({ requests: [...sent], retrying, answered: everAnswered }),
  };
}

/**
 * One attempt's signal: aborted after `timeoutMs` (with AbortSignal.timeout's reason) or when
 * the request's own signal aborts (with its reason), as AbortSignal.any of the two would be.
 * NOTE: one controller and one timer, both let go when the attempt ends (`dispose`). The two
 * signals of AbortSignal.timeout and .any cost ~25 µs of CPU per request, left a 30 s timer
 * behind each, and registered every request with the long-lived stop signal.
 */
class AttemptSignal {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  /** The attempt's time ran out (rather than the request's signal aborting it). */
  timedOut = false;

  constructor(
    timeoutMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(
        new DOMException("The operation was aborted due to timeout", "TimeoutError"),
      );
    }, timeoutMs);
    this.timer.unref?.();
    if (outer === undefined) return;
    if (outer.aborted) this.controller.abort(outer.reason);
    else followersOf(outer).add(this.controller);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.outer !== undefined) followers.get(this.outer)?.delete(this.controller);
  }
}

/**
 * The attempts under way of each request signal: the signal gets one listener, however many
 * requests share it (a listener per request would pass node's 10-listener warning).
 */
const followers = new WeakMap<AbortSignal, Set<AbortController>>();

function followersOf(outer: AbortSignal): Set<AbortController> {
  const known = followers.get(outer);
  if (known !== undefined) return known;
  const attempts = new Set<AbortController>();
  followers.set(outer, attempts);
  outer.addEventListener(
    "abort",
    () => {
      for (const attempt of attempts) attempt.abort(outer.reason);
      attempts.clear();
    },
    { once: true },
  );
  return attempts;
}

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

function safeHost(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}
