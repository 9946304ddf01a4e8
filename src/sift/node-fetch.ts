import {
  Agent as HttpAgent,
  type ClientRequest,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { formatCount } from "../core/words.js";
import { MAX_ANSWER_BYTES } from "./limits.js";
import type { Proxy } from "./proxy.js";
import { type ConnectTrace, TunnelAgent } from "./proxy-agent.js";

/**
 * The client's default transport: the part of `fetch` that http.ts uses (method, headers,
 * string body, abort signal → status, headers, text), over node:http with keep-alive
 * connections.
 *
 * Why not the global fetch: on Node 20 its web streams, Request/Response objects and
 * abort plumbing cost ~1.7 ms of CPU per request against ~0.6 ms here (measured with
 * bench/, 3,000 creates at concurrency 16). A sync of thousands of runs is bound by the
 * client's CPU long before the API's latency on a small machine: the cold backfill bench took
 * 2.3× its latency bound with fetch. Any fetch can still be injected (`fetch` option).
 */

/** One pool of kept-alive connections per protocol; the request pool bounds their number. */
const AGENTS = {
  "http:": new HttpAgent({ keepAlive: true }),
  "https:": new HttpsAgent({ keepAlive: true }),
};

/**
 * Thrown (as the fetch's rejection) when an answer is larger than the transport accepts: it
 * stops reading at the cap instead of holding the whole answer in memory (a string over ~512 MB
 * cannot even be made: ERR_STRING_TOO_LONG).
 */
export class AnswerTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    /** The answer's HTTP status. */
    readonly status: number,
  ) {
    super(`the answer is larger than ${formatBytes(maxBytes)}`);
    this.name = "AnswerTooLargeError";
  }
}

export interface NodeFetchOptions {
  /** The largest answer body read; beyond it the request rejects with AnswerTooLargeError. */
  maxAnswerBytes?: number;
  /** Send every request through this proxy (resolve it with `resolveProxy`). Default: direct. */
  proxy?: Proxy;
  /**
   * The CAs trusted for https, replacing node's store (build it with `trustWith`, which keeps
   * node's roots and NODE_EXTRA_CA_CERTS). Default: node's store.
   */
  ca?: string[];
}

/**
 * How an attempt that got no answer went, attached to the fetch's rejection when its signal
 * aborted: whether the connection was a new one, was made, and anything came back.
 */
export interface Exchange {
  /** The connection was a new one (not a kept-alive one reused). */
  fresh: boolean;
  /** The connection to the API (through the tunnel, with a proxy) was made. */
  connected: boolean;
  /** The answer's status line and headers arrived. */
  answered: boolean;
  /** With a proxy: the tunnel to the API was never made (the proxy is what sent nothing). */
  proxyStalled: boolean;
  /** With a stalled proxy: the connection to the proxy was made (it accepted, then said nothing). */
  proxyConnected: boolean;
}

const EXCHANGE = Symbol("exchange");

/** The Exchange of an aborted attempt of the default transport, if it was one. */
export function exchangeOf(error: unknown): Exchange | undefined {
  return typeof error === "object" && error !== null
    ? (error as { [EXCHANGE]?: Exchange })[EXCHANGE]
    : undefined;
}

/** The transport, with its own answer cap, proxy and trusted CAs. */
export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const maxBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const { proxy } = options;
  // NOTE: without a proxy or CAs of its own (the usual case) the shared agents serve.
  const agents =
    proxy === undefined && options.ca === undefined
      ? AGENTS
      : {
          "http:": proxy ? new HttpAgent({ keepAlive: true }) : AGENTS["http:"],
          "https:": proxy
            ? new TunnelAgent({ keepAlive: true, proxy, ca: options.ca })
            : new HttpsAgent({ keepAlive: true, ca: options.ca }),
        };
  return (input, init) => {
    const url = input instanceof URL ? input : new URL(String(input));
    const protocol = url.protocol as keyof typeof AGENTS;
    const agent = agents[protocol];
    if (agent === undefined) {
      return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    }
    const body = readBody(init?.body);
    const headers: Record<string, string> = { ...(init?.headers as Record<string, string>) };
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const signal = init?.signal ?? undefined;
    const trace: ConnectTrace = { proxyConnected: false, proxyAnswered: false, signal };
    let target: URL | string = url;
    let send = protocol === "https:" ? httpsRequest : httpRequest;
    if (proxy && protocol === "http:") {
      // Plain http through a proxy: the absolute URL asked of the proxy itself (no tunnel).
      target = new URL(`${proxy.url.protocol}//${proxy.url.host}`);
      send = proxy.url.protocol === "https:" ? httpsRequest : httpRequest;
      if (proxy.authorization) headers["proxy-authorization"] = proxy.authorization;
    }
    return new Promise<Response>((resolve, reject) => {
      let answered = false;
      const req = send(
        target,
        {
          method: init?.method ?? "GET",
          headers,
          agent: target === url ? agent : undefined,
          ...(target === url ? {} : { path: url.href }),
          trace,
        } as RequestOptions,
        (res) => {
          answered = true;
          readResponse(res, maxBytes).then(resolve, reject);
        },
      );
      let socket: Socket | undefined;
      req.once("socket", (s: Socket) => {
        socket = s;
      });
      req.on("error", (error: Error) => {
        if (signal?.aborted) {
          const exchange: Exchange = {
            fresh: !req.reusedSocket,
            connected: socket !== undefined && !socket.connecting,
            answered,
            proxyStalled: proxy !== undefined && protocol === "https:" && socket === undefined,
            proxyConnected: trace.proxyConnected && !trace.proxyAnswered,
          };
          Object.defineProperty(error, EXCHANGE, { value: exchange });
        }
        reject(error);
      });
      if (signal !== undefined) abortWith(req, signal);
      req.end(body);
    });
  };
}

/**
 * What node:http's `signal` option does (the request destroyed with an AbortError whose cause
 * is the signal's reason), with one listener removed when the request closes: node's own takes
 * a disposable listener and an end-of-stream watch per request, ~80 µs of CPU each here.
 */
function abortWith(req: ClientRequest, signal: AbortSignal): void {
  const abort = () => req.destroy(abortError(signal.reason));
  if (signal.aborted) {
    abort();
    return;
  }
  signal.addEventListener("abort", abort, { once: true });
  req.once("close", () => signal.removeEventListener("abort", abort));
}

/** node's AbortError (not exported by node): the same name, code, message and cause. */
function abortError(reason: unknown): Error {
  const error = new Error("The operation was aborted", { cause: reason });
  error.name = "AbortError";
  return Object.assign(error, { code: "ABORT_ERR" });
}

function readBody(body: RequestInit["body"]): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== "string")
    throw new TypeError("createNodeFetch's fetch sends string bodies only");
  return body;
}

/**
 * Reads the whole answer; a connection dropped mid-answer rejects, as fetch's text() would.
 * An answer over `maxBytes` (by its Content-Length, or as it arrives) is cut off: the
 * connection is closed and the promise rejects with AnswerTooLargeError.
 */
function readResponse(res: IncomingMessage, maxBytes: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => {
      reject(new AnswerTooLargeError(maxBytes, res.statusCode ?? 0));
      res.destroy();
    };
    if (Number(res.headers["content-length"]) > maxBytes) return tooLarge();
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return tooLarge();
      chunks.push(chunk);
    });
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("connection closed before the answer ended")));
    res.on("end", () => {
      if (!res.complete) return reject(new Error("connection closed before the answer ended"));
      resolve(toResponse(res, Buffer.concat(chunks).toString("utf8")));
    });
  });
}

/**
 * NOTE: only what http.ts reads of a Response (status, ok, statusText, headers.get, text);
 * building a real Response would bring back the web-stream cost this transport avoids.
 */
function toResponse(res: IncomingMessage, text: string): Response {
  const status = res.statusCode ?? 0;
  const answer = {
    status,
    ok: status >= 200 && status < 300,
    statusText: res.statusMessage ?? "",
    headers: {
      get(name: string): string | null {
        const value = res.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(", ") : value;
      },
    },
    text: async () => text,
  };
  return answer as unknown as Response;
}

/** `64 MiB`, `512 KiB`, `100 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${formatCount(bytes)} bytes`;
}
