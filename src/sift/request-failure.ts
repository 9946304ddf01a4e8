import { ApiError, type ApiErrorReason } from "../core/errors.js";

/** How a request ends when it gets no value: the sentences its ApiError carries. */

export interface UrlHints {
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
export function formatTimeout(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * The request's end when the API (or the proxy) accepted connections and never answered
 * anything. `who` is silentWho's sentence: the time is put in before its `;`.
 */
export function silentError(
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

export function connectionError(
  request: string,
  apiMessage: string,
  cause: Error | undefined,
  reason?: ApiErrorReason,
): ApiError {
  return new ApiError({ request, status: 0, apiMessage, reason }, cause ? { cause } : undefined);
}

/** Stopping began: `sent` attempts went out before (none: the request was never sent). */
export function interruptedError(request: string, sent: number): ApiError {
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
export function finalError(
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
