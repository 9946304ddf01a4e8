import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { findJsonExcess, MAX_API_JSON_DEPTH } from "../core/json-shape.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { Api } from "./api.js";
import { ApiFailure, invalidArgument } from "./api-error.js";
import type { FaultPicker, RateLimiter } from "./faults.js";
import { matchRoute } from "./routes.js";
import type { StatsRecorder } from "./stats.js";
import type { FaultKind } from "./types.js";

/** NOTE: gateways in front of Sift refuse request URLs longer than this (sift-api.md). */
export const MAX_URL_BYTES = 8192;
/** Bodies above this are refused (a 1000-run batch is far smaller). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const BAD_GATEWAY_HTML =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
  "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

export interface HandlerConfig {
  api: Api;
  stats: StatsRecorder;
  apiKey: string;
  /** May read; its writes are answered 403. */
  readOnlyApiKey: string | undefined;
  latencyMs: number;
  /** The Retry-After of every 429; "none" sends no header (as Sift documents its 429s). */
  retryAfterSeconds: number | "none";
  faults: FaultPicker | undefined;
  limiter: RateLimiter | undefined;
  /** Saves the state; a write is answered only once it resolves. */
  persist: (() => Promise<void>) | undefined;
  /** An answer over this many bytes (its JSON) is refused as Sift's gateway does: 429, code 8. */
  maxAnswerBytes: number;
  /** False: no `runs:validateFilter` (an older deployment), 404 as for any unknown path. */
  validateFilter: boolean;
}

/**
 * One request, in the order a real deployment meets it: latency, URL limit, routing, rate
 * limit, injected faults (a proxy's), authentication, then the operation itself.
 */
export function createHandler(config: HandlerConfig) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    config.stats.requestStarted();
    try {
      if (config.latencyMs > 0) await sleep(config.latencyMs);
      await serve(config, req, res);
    } catch (error) {
      sendError(res, toFailure(error));
    } finally {
      config.stats.requestEnded();
    }
  };
}

async function serve(config: HandlerConfig, req: IncomingMessage, res: ServerResponse) {
  const target = req.url ?? "/";
  const urlBytes = Buffer.byteLength(target);
  if (urlBytes > MAX_URL_BYTES) return sendUriTooLong(res, urlBytes);
  const url = new URL(target, "http://emulator");
  const route = matchRoute(req.method ?? "GET", url.pathname);
  config.stats.routed(route.operation);
  if (route.operation === "ValidateRunFilter" && !config.validateFilter) {
    throw new ApiFailure("NOT_FOUND", "Not Found");
  }

  if (config.limiter?.take() === false) {
    config.stats.throttled();
    const message = "rate limit exceeded: too many requests per second";
    return sendRateLimited(res, config.retryAfterSeconds, message);
  }
  const fault = config.faults?.pick();
  if (fault !== undefined) config.stats.faulted(fault);
  if (fault !== undefined && fault !== "lost-answer") return sendFault(res, fault, config);

  try {
    const access = checkAuthorization(req, config.apiKey, config.readOnlyApiKey);
    if (route.write && access === "read") {
      throw new ApiFailure("PERMISSION_DENIED", "this API key may read runs but not write them");
    }
    const body = route.body ? await readJsonBody(req) : undefined;
    const answer = route.call(config.api, {
      params: url.searchParams,
      body,
      pathArg: route.pathArg,
    });
    if (route.write) {
      await config.persist?.();
      config.stats.committed();
    }
    if (fault === "lost-answer") return req.socket.destroy();
    const text = JSON.stringify(answer);
    const bytes = Buffer.byteLength(text);
    if (bytes > config.maxAnswerBytes) {
      config.stats.answerTooLarge();
      return sendError(res, answerTooLarge(bytes, config.maxAnswerBytes));
    }
    sendJsonText(res, 200, text);
  } catch (error) {
    if (fault === "lost-answer") return req.socket.destroy();
    throw error;
  }
}

function sendFault(res: ServerResponse, fault: FaultKind, config: HandlerConfig): void {
  switch (fault) {
    case "unavailable":
      sendError(res, new ApiFailure("UNAVAILABLE", "service unavailable (injected fault)"));
      break;
    case "rate-limited":
      sendRateLimited(res, config.retryAfterSeconds, "rate limited (injected fault)");
      break;
    case "bad-gateway-html":
      res.writeHead(502, { "content-type": "text/html" });
      res.end(BAD_GATEWAY_HTML);
      break;
    case "lost-answer":
      break;
  }
}

/**
 * NOTE: Sift's REST gateway is a gRPC client of the API with gRPC's receive limit; a larger
 * answer fails there with RESOURCE_EXHAUSTED, which grpc-gateway sends as 429 code 8, in gRPC's
 * words. (gRPC measures the protobuf message; the emulator measures the JSON it would send.)
 * A write is committed before its answer is refused, as it would be in Sift.
 */
function answerTooLarge(bytes: number, max: number): ApiFailure {
  return new ApiFailure(
    "RESOURCE_EXHAUSTED",
    `grpc: received message larger than max (${bytes} vs. ${max})`,
  );
}

function sendRateLimited(
  res: ServerResponse,
  retryAfterSeconds: number | "none",
  message: string,
): void {
  if (retryAfterSeconds !== "none") res.setHeader("retry-after", String(retryAfterSeconds));
  sendError(res, new ApiFailure("RESOURCE_EXHAUSTED", message));
}

function sendUriTooLong(res: ServerResponse, urlBytes: number): void {
  const message = `request URL is ${urlBytes} bytes, over the ${MAX_URL_BYTES}-byte limit`;
  sendJson(res, 414, { code: 3, message, details: [] });
}

/** NOTE: the key travels as `Authorization: Bearer <key>`; it is never echoed back. */
function checkAuthorization(
  req: IncomingMessage,
  apiKey: string,
  readOnlyApiKey: string | undefined,
): "write" | "read" {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  const sent = Buffer.from(m?.[1]?.trim() ?? "");
  if (sameKey(sent, apiKey)) return "write";
  if (readOnlyApiKey !== undefined && sameKey(sent, readOnlyApiKey)) return "read";
  throw new ApiFailure("UNAUTHENTICATED", "missing or invalid API key (Authorization: Bearer)");
}

function sameKey(sent: Buffer, key: string): boolean {
  const expected = Buffer.from(key);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

/** An empty body is an empty message, as grpc-gateway reads it. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidArgument(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  // Measured before JSON.parse, which would hold every level of `[[[[…` in memory.
  const excess = findJsonExcess(text, { maxDepth: MAX_API_JSON_DEPTH });
  if (excess !== undefined) {
    throw invalidArgument(
      `request body nests more than ${MAX_API_JSON_DEPTH} deep (at position ${excess.offset})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

function toFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiFailure("INTERNAL", `internal error: ${message}`);
}

function sendError(res: ServerResponse, failure: ApiFailure): void {
  sendJson(res, failure.status, { code: failure.grpcCode, message: failure.message, details: [] });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** A raw answer for requests node's parser refuses before any handler runs. */
export function rawJsonAnswer(status: number, reason: string, message: string): string {
  const body = JSON.stringify({ code: 3, message, details: [] });
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}
