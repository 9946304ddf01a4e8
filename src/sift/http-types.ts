import type { z } from "zod";
import type { Logger } from "../core/logger.js";
import type { RetryOptions } from "./limits.js";
import type { Proxy } from "./proxy.js";
import type { RequestPool } from "./pool.js";
import type { Query } from "./url.js";

/** What the request layer is given and offers (createHttp in http.ts). */

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
  /**
   * The schema's output for an answer of the usual shape, built faster than zod does it
   * (run-read.ts), or `undefined`: then the schema reads it. Given only where it gives exactly
   * the schema's output.
   */
  read?: (json: unknown) => T | undefined;
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

/**
 * What the request layer is doing at this moment: what a command interrupted by Ctrl-C says it
 * was waiting for.
 */
export interface UnderWay {
  /** Attempts sent and not answered yet, oldest first: `GET /api/v2/runs` and when it was sent (ms, performance.now). */
  requests: { request: string; sinceMs: number }[];
  /** Requests waiting out a backoff before their next attempt. */
  retrying: number;
  /** Anything at all (a status line) came back from the API so far. */
  answered: boolean;
}

export interface Http {
  send<T>(request: HttpRequest<T>): Promise<T>;
  /** The requests under way now (see UnderWay). */
  underWay(): UnderWay;
  /** The full URL a request would use. */
  buildUrl(path: string, query?: Query): string;
  stats(): HttpStats;
  /** Sift's clock (ms) as the `Date` header of the newest answer read so far said, if any. */
  lastAnswerDate(): number | undefined;
}
