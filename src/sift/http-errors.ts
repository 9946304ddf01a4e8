import { STATUS_CODES } from "node:http";
import type { z } from "zod";
import { findJsonExcess, MAX_API_JSON_DEPTH } from "../core/json-shape.js";
import { errorBodySchema, HTTP_STATUS_OF_GRPC } from "./schemas.js";

/**
 * Reading what went wrong from an HTTP answer: the API's JSON error body, a proxy's HTML
 * page, a Retry-After header, a zod failure. Pure helpers for http.ts.
 */

/** How much of a non-JSON body an error message quotes. */
const MAX_BODY_SNIPPET = 200;
/** How many zod issues an "unexpected response" message lists. */
const MAX_LISTED_ISSUES = 3;

export interface ErrorAnswer {
  grpcCode: number | undefined;
  apiMessage: string;
}

/**
 * The gRPC code and message of an error answer. The API sends `{"code", "message"}`;
 * a proxy in front of it may send HTML, which is quoted, shortened.
 */
export function describeErrorAnswer(status: number, statusText: string, body: string): ErrorAnswer {
  const reason = statusText || STATUS_CODES[status] || "error";
  const parsed = errorBodySchema.safeParse(parseJson(body));
  if (parsed.success) {
    return { grpcCode: parsed.data.code, apiMessage: parsed.data.message || reason };
  }
  const quoted = body.trim() === "" ? "empty body" : `non-JSON body: ${quoteSnippet(body)}`;
  return { grpcCode: grpcCodeOfStatus(status), apiMessage: `${reason} (${quoted})` };
}

/** gRPC's RESOURCE_EXHAUSTED: rate limits, and messages over a size limit. */
const RESOURCE_EXHAUSTED = 8;
/** gRPC's wording for a message over a size limit (`grpc: received message larger than max (N vs. M)`). */
const MESSAGE_SIZE_WORDS =
  /message (is )?(larger|too large|too big|exceeds)|larger than (the )?max|max(imum)? (receive |send )?message size/i;

/**
 * Whether an error answer says the API would not send its answer for its size: HTTP 429 with
 * gRPC code 8 and a message about the message size (grpc-gateway's form of a gRPC message over
 * the receive limit). NOTE: throttling is RESOURCE_EXHAUSTED too; only the size message tells
 * them apart, so a 429 that says nothing about size stays throttling (backed off, retried).
 */
export function isAnswerTooLarge(
  status: number,
  grpcCode: number | undefined,
  message: string,
): boolean {
  return status === 429 && grpcCode === RESOURCE_EXHAUSTED && MESSAGE_SIZE_WORDS.test(message);
}

/** `"<html> <head>..."`: whitespace collapsed, cut at MAX_BODY_SNIPPET characters. */
function quoteSnippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const cut = flat.length > MAX_BODY_SNIPPET ? flat.slice(0, MAX_BODY_SNIPPET) + "..." : flat;
  return JSON.stringify(cut);
}

/** grpc-gateway's mapping read backwards, for answers without the API's JSON (e.g. a proxy's 503). */
function grpcCodeOfStatus(status: number): number | undefined {
  // 400 stands for several codes (INVALID_ARGUMENT, FAILED_PRECONDITION): no guess there.
  if (status === 400) return undefined;
  const entry = Object.entries(HTTP_STATUS_OF_GRPC).find(([, http]) => http === status);
  return entry ? Number(entry[0]) : undefined;
}

/**
 * JSON.parse that answers `undefined` instead of throwing, and for a text nesting more than
 * MAX_API_JSON_DEPTH deep, which it does not parse (it would hold every level in memory).
 */
export function parseJson(text: string): unknown {
  if (findJsonExcess(text, { maxDepth: MAX_API_JSON_DEPTH }) !== undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Why parseJson answered `undefined` for `text`. */
export function describeUnparsed(text: string): string {
  const excess = findJsonExcess(text, { maxDepth: MAX_API_JSON_DEPTH });
  return excess === undefined
    ? "body is not JSON"
    : `body nests more than ${MAX_API_JSON_DEPTH} deep (at position ${excess.offset})`;
}

/**
 * Milliseconds to wait from a Retry-After header: delay-seconds or an HTTP-date.
 * `undefined` when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `runs.0.runId: expected string, received undefined; ...` */
export function summarizeZodIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length - MAX_LISTED_ISSUES;
  return issues.join("; ") + (more > 0 ? ` (and ${more} more)` : "");
}

/**
 * A copy of `error` and its causes with every secret replaced, so a cause chain can be
 * logged or printed safely. Keeps `name` and `code`; drops anything else.
 */
export function redactError(error: unknown, redact: (text: string) => string, depth = 0): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error)));
  const copy = new Error(redact(error.message));
  copy.name = error.name;
  copy.stack = redact(error.stack ?? "");
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (copy as { code?: unknown }).code = code;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    copy.cause = redactError(error.cause, redact, depth + 1);
  }
  return copy;
}
const MAX_CAUSE_DEPTH = 5;

/**
 * For a 3xx: where it points, and why it is not followed. NOTE: never followed: the key would
 * go with the request to wherever the redirect says. The query string is left out (it may hold
 * the other server's tokens).
 */
export function describeRedirect(response: Response, url: string): string | undefined {
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
