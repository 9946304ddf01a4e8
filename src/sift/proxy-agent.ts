import {
  type ClientRequest,
  type IncomingMessage,
  request as httpRequest,
  type RequestOptions,
} from "node:http";
import { Agent as HttpsAgent, type AgentOptions, request as httpsRequest } from "node:https";
import { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import type { Proxy } from "./proxy.js";

/**
 * HTTPS through an HTTP proxy: each new connection is a `CONNECT host:port` to the proxy
 * (with Proxy-Authorization when its URL holds credentials), then TLS with the API inside the
 * tunnel. Kept-alive tunnels are reused like any https connection. An `https://` proxy is
 * spoken to over TLS itself.
 */

/** What a request's connection came to, for the error of an attempt that got no answer. */
export interface ConnectTrace {
  /** The TCP connection to the proxy was made. */
  proxyConnected: boolean;
  /** The proxy answered the CONNECT (any status). */
  proxyAnswered: boolean;
  /** Aborts the CONNECT of this request (the request's own signal: timeout or stop). */
  signal?: AbortSignal;
}

/** Why a tunnel through the proxy could not be made; its message names the proxy, never its password. */
export class ProxyError extends Error {
  constructor(
    message: string,
    /** Trying again may help: the proxy could not reach the API (502/503/504), or a reset. */
    readonly transient: boolean,
    /** The CONNECT's status, when the proxy answered one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProxyError";
  }
}

/** Network codes that mean the proxy cannot be found at all: the same on every attempt. */
const PROXY_NOT_FOUND = new Set(["ENOTFOUND", "EAI_NONAME", "EAI_NODATA"]);

export interface TunnelAgentOptions extends AgentOptions {
  proxy: Proxy;
}

export class TunnelAgent extends HttpsAgent {
  readonly proxy: Proxy;

  constructor(options: TunnelAgentOptions) {
    const { proxy, ...rest } = options;
    super(rest);
    this.proxy = proxy;
  }

  // NOTE: node's Agent takes the socket from the callback when createConnection returns
  // nothing (documented in http.Agent#createConnection).
  override createConnection(
    requestOptions: RequestOptions,
    onConnection?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    const options = requestOptions as ConnectionOptions & { trace?: ConnectTrace };
    const callback = onConnection as (error: Error | null, socket?: Duplex) => void;
    const host = String(options.host ?? "localhost");
    const port = Number(options.port ?? 443);
    const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const { proxy } = this;
    const trace = options.trace;
    const via = `the proxy ${proxy.display} (from ${proxy.variable})`;
    let done = false;
    const finish = (error: Error | null, socket?: Duplex) => {
      if (done) return socket?.destroy();
      done = true;
      callback(error, socket);
    };
    const send = proxy.url.protocol === "https:" ? httpsRequest : httpRequest;
    const connectReq: ClientRequest = send({
      host: proxy.url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: proxy.url.port || (proxy.url.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: authority,
      headers: {
        host: authority,
        ...(proxy.authorization ? { "proxy-authorization": proxy.authorization } : {}),
      },
      agent: false,
      ...(proxy.url.protocol === "https:" && options.ca ? { ca: options.ca } : {}),
    });
    const onAbort = () => {
      connectReq.destroy();
      finish(new ProxyError(`${via} sent no answer to CONNECT ${authority} in time`, true));
    };
    trace?.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => trace?.signal?.removeEventListener("abort", onAbort);
    connectReq.once("socket", (socket: Socket) => {
      const connected = () => {
        if (trace) trace.proxyConnected = true;
      };
      if (socket.connecting) socket.once("connect", connected);
      else connected();
    });
    connectReq.once("connect", (res: IncomingMessage, socket: Socket, head: Buffer) => {
      cleanup();
      if (trace) trace.proxyAnswered = true;
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        socket.destroy();
        return finish(refusal(via, authority, status, res.statusMessage ?? "", proxy));
      }
      if (head.length > 0) socket.unshift(head);
      const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
      const tlsSocket = tlsConnect({ ...options, host, port, socket, servername });
      finish(null, tlsSocket);
    });
    // A proxy that answers CONNECT like a plain request (no tunnel, e.g. a 407 with a body
    // and keep-alive) ends up here through node's 'response' event.
    connectReq.once("response", (res: IncomingMessage) => {
      cleanup();
      if (trace) trace.proxyAnswered = true;
      res.resume();
      finish(refusal(via, authority, res.statusCode ?? 0, res.statusMessage ?? "", proxy));
    });
    connectReq.once("error", (error: NodeJS.ErrnoException) => {
      cleanup();
      if (done) return;
      const code = error.code ?? "";
      const reason = error.message || code;
      finish(
        new ProxyError(
          `cannot reach the proxy ${proxy.display} (from ${proxy.variable}): ${reason}`,
          !PROXY_NOT_FOUND.has(code),
          undefined,
          { cause: error },
        ),
      );
    });
    connectReq.end();
    return undefined;
  }
}

function refusal(
  via: string,
  authority: string,
  status: number,
  statusText: string,
  proxy: Proxy,
): ProxyError {
  const answer = `${status}${statusText ? ` ${statusText}` : ""}`;
  if (status === 407) {
    const what = proxy.authorization
      ? `check the user name and password in ${proxy.variable}`
      : `${proxy.variable} holds no user name and password: give them as http://USER:PASSWORD@host:port`;
    return new ProxyError(
      `${via} asks for authentication (${answer}) to open ${authority}; ${what}`,
      false,
      status,
    );
  }
  if (status === 502 || status === 503 || status === 504) {
    return new ProxyError(`${via} could not reach ${authority} (${answer})`, true, status);
  }
  return new ProxyError(
    `${via} refused to open a tunnel to ${authority} (${answer}); if the API is reachable without the proxy, list its host in NO_PROXY`,
    false,
    status,
  );
}
