import { ProxyError } from "./proxy-agent.js";

/**
 * Why a request got no answer, in a sentence, and whether trying again can help. A host name
 * that does not resolve, TLS spoken to a plain-HTTP server or a certificate that is not
 * trusted will be the same on every attempt: failing at once beats a minute of retries that
 * end in OpenSSL's words. A refused or reset connection may be a server restarting: retried.
 */

export interface NetworkFailure {
  /** Worth another attempt (the same request may get through later). */
  transient: boolean;
  /** `https://localhost:8080 answered without TLS: is it http://?` */
  message: string;
  /** The proxy is what failed (its message names it and its variable), not the API. */
  proxy?: boolean;
}

/** OpenSSL's ways of saying the other side does not speak TLS (it answered in plain HTTP). */
const NOT_TLS = /wrong version number|packet length too long|http request|unknown protocol/i;
/** Certificate verification codes of node:tls (and OpenSSL's X509 errors). */
const CERT_CODE = /CERT|^ERR_TLS_|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|^HOSTNAME_MISMATCH$/;
/** Name resolution failed for good (EAI_AGAIN, a temporary failure, is retried). */
const HOST_NOT_FOUND = new Set(["ENOTFOUND", "EAI_NONAME", "EAI_NODATA"]);

/**
 * @example
 * describeNetworkFailure(err, "https://localhost:8080")
 * // { transient: false, message: "https://localhost:8080 answered without TLS: is it http://?" }
 */
export function describeNetworkFailure(error: unknown, baseUrl: string): NetworkFailure {
  const proxyError = findProxyError(error);
  if (proxyError)
    return { transient: proxyError.transient, message: proxyError.message, proxy: true };
  const cause = rootCause(error);
  const code = typeof cause.code === "string" ? cause.code : "";
  const { origin, host, hostname } = parseOrigin(baseUrl);
  if (HOST_NOT_FOUND.has(code)) {
    return {
      transient: false,
      message: `cannot resolve the host name ${hostname}: no such host (DNS ${code})`,
    };
  }
  if (
    code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
    (code === "EPROTO" && NOT_TLS.test(cause.message))
  ) {
    return { transient: false, message: `${origin} answered without TLS: is it http://?` };
  }
  if (CERT_CODE.test(code)) {
    return {
      transient: false,
      message:
        `the TLS certificate of ${host} is not accepted: ${cause.message} (${code}); if the ` +
        "server (or a proxy that inspects TLS) uses a private certificate authority, give its certificate with --ca-file FILE (or SIFT_CA_FILE, or NODE_EXTRA_CA_CERTS)",
    };
  }
  return { transient: true, message: `cannot reach ${host}: ${describeNetworkError(error)}` };
}

/** Why a fetch failed without an answer: `connect ECONNREFUSED ...`, `getaddrinfo ENOTFOUND host`. */
function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    if (cause.message) return cause.message;
    if (typeof code === "string") return code;
  }
  return String(cause);
}

/** The ProxyError among the error and its causes: the proxy, not the API, failed. */
function findProxyError(error: unknown): ProxyError | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof ProxyError) return current;
    current = current.cause;
  }
  return undefined;
}

/** The innermost error (fetch wraps the socket's error in `cause`), with its code. */
function rootCause(error: unknown): { message: string; code?: unknown } {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (!(current instanceof Error) || current.cause === undefined) break;
    if (typeof (current as { code?: unknown }).code === "string") break;
    current = current.cause;
  }
  if (current instanceof Error) return current as Error & { code?: unknown };
  return { message: String(current) };
}

function parseOrigin(baseUrl: string): { origin: string; host: string; hostname: string } {
  try {
    const url = new URL(baseUrl);
    return { origin: `${url.protocol}//${url.host}`, host: url.host, hostname: url.hostname };
  } catch {
    return { origin: baseUrl, host: baseUrl, hostname: baseUrl };
  }
}
