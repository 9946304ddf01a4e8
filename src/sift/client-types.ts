import type { Logger } from "../core/logger.js";
import type { HttpStats, UnderWay } from "./http-types.js";
import type { RetryOptions } from "./limits.js";
import type { ProxyRoute } from "./proxy.js";
import type { PoolStats, RequestPool } from "./pool.js";
import type {
  Asset,
  CreateAdhocRunBody,
  CreateRunBody,
  FilterField,
  MetadataKey,
  Run,
  Tag,
  UpdateRunBody,
} from "./schemas.js";

/** What a SiftClient is made with and offers: the client's contract, apart from how it is built. */

export interface SiftClientOptions {
  /** e.g. `https://api.siftstack.com` (a trailing slash is dropped). */
  baseUrl: string;
  apiKey: string;
  /** Transport, for embedding; by default node:http with keep-alive (see node-fetch.ts). */
  fetch?: typeof fetch;
  /** Where baseUrl came from (`--api-url`, `SIFT_REST_URI`, `profile NAME`), named in hints. */
  urlSource?: string;
  /** Max requests in flight (ignored when `pool` is given). Default 8. */
  concurrency?: number;
  /** Max request starts per second (ignored when `pool` is given). */
  maxRps?: number;
  /** A pool to share with other clients; by default the client makes its own. */
  pool?: RequestPool;
  /** Per-request timeout (`--timeout` in seconds). Default 30 s (DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Backoff and attempts (`--retries N` is `maxAttempts: N + 1`). Default 8 attempts. */
  retry?: RetryOptions;
  /**
   * Where the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower-case too) and
   * NODE_EXTRA_CA_CERTS are read. Default `process.env`.
   */
  env?: Record<string, string | undefined>;
  /**
   * The route to the API, when already resolved (`resolveProxy(baseUrl, env)`); by default it
   * is resolved from `env`. `{ kind: "direct", reason }` never uses a proxy.
   */
  proxy?: ProxyRoute;
  /**
   * PEM certificates of CAs trusted for this API, on top of node's store and
   * NODE_EXTRA_CA_CERTS (what `--ca-file` adds). See also `caFile`.
   */
  ca?: string[];
  /** A PEM file of such CAs (`--ca-file`), read when the client is made. */
  caFile?: string;
  /** The largest answer read. Default 64 MiB (MAX_ANSWER_BYTES); a larger one fails, not retried. */
  maxAnswerBytes?: number;
  /** Pages in a row with nothing new before a listing fails. Default 10 (MAX_PAGES_WITHOUT_PROGRESS). */
  maxPagesWithoutProgress?: number;
  logger?: Logger;
}

/**
 * How a caller stops a request: after `stop` no new attempt (nor retry) starts; `signal` cuts
 * off the attempt under way too (see core/stopping.ts).
 */
export interface RequestControl {
  signal?: AbortSignal;
  stop?: AbortSignal;
}

export interface ListParams {
  /** CEL, e.g. `client_key in ['a', 'b']` (build it with celIn / celString). */
  filter?: string;
  pageSize?: number;
  pageToken?: string;
  orderBy?: string;
  signal?: AbortSignal;
  stop?: AbortSignal;
}
export type ListAllParams = Omit<ListParams, "pageToken" | "filter">;
export interface ListPagesParams extends ListAllParams {
  /** Ask for the next page as soon as a page arrives, while the caller works on it. */
  prefetch?: boolean;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

export interface ClientStats extends HttpStats {
  pool: PoolStats;
}

export interface SiftClient {
  /** Sift's clock (ms since 1970) as the `Date` header of the newest answer so far said, if any. */
  answerDate(): number | undefined;
  listRuns(params?: ListParams): Promise<{ runs: Run[]; nextPageToken: string }>;
  /**
   * Every run matching `filter`, page after page (pageSize 1000 unless given). A page Sift
   * refuses for its size is asked for again at once with half the pageSize, down to 1, and
   * the later pages keep the smaller size.
   */
  listAllRuns(filter?: string, params?: ListAllParams): AsyncGenerator<Run>;
  /** The same, a page at a time (an export writes each page as it comes). */
  listRunPages(filter?: string, params?: ListPagesParams): AsyncGenerator<Run[]>;
  getRun(runId: string, options?: RequestControl): Promise<Run>;
  /** NOTE: retried like any request: with a clientKey a duplicate is impossible (409 instead). */
  createRun(body: CreateRunBody, options?: RequestControl): Promise<Run>;
  createAdhocRun(body: CreateAdhocRunBody, options?: RequestControl): Promise<Run>;
  updateRun(body: UpdateRunBody, options?: RequestControl): Promise<Run>;
  listAssets(params?: ListParams): Promise<{ assets: Asset[]; nextPageToken: string }>;
  listAllAssets(filter?: string, params?: ListAllParams): AsyncGenerator<Asset>;
  listMetadataKeys(
    params?: ListParams,
  ): Promise<{ metadataKeys: MetadataKey[]; nextPageToken: string }>;
  listAllMetadataKeys(filter?: string, params?: ListAllParams): AsyncGenerator<MetadataKey>;
  /**
   * ListTags (`GET /api/v2/tags`, filter on `name` and `tag_id`, oldest first): how tag names
   * become the ids a ListRuns `tag_id` filter compares.
   * @example
   * for await (const tag of client.listAllTags(celIn("name", ["hotfire"]))) ids.push(tag.tagId);
   */
  listAllTags(filter?: string, params?: ListAllParams): AsyncGenerator<Tag>;
  /**
   * The fields a ListRuns filter may use, with their types (`GET /api/v2/runs:filterFields`).
   * @deprecated Sift is withdrawing this endpoint from its public API (its published OpenAPI
   * omits it); nothing in this tool calls it. Check a filter with `validateRunFilter`.
   */
  listRunFilterFields(options?: RequestControl): Promise<FilterField[]>;
  /**
   * Asks the API whether `filter` is a valid ListRuns filter: resolves to `""` when it is,
   * otherwise to the API's description of the problem (`POST /api/v2/runs:validateFilter`).
   * A deployment without that endpoint (404/405/501: older than 2026-05) is asked with a
   * ListRuns of pageSize 1 instead, whose 400 is the problem.
   * @example
   * const problem = await client.validateRunFilter("name == 'x' &&");
   * if (problem !== "") throw new Error(`--filter: ${problem}`);
   */
  validateRunFilter(filter: string, options?: RequestControl): Promise<string>;
  /** Bytes of the URL a list request would use: batch filters so it stays ≤ MAX_URL_BYTES. */
  listUrlBytes(path: string, params: Omit<ListParams, "signal" | "stop">): number;
  stats(): ClientStats;
  /** The requests under way now: what an interrupted command was waiting for. */
  underWay(): UnderWay;
  readonly pool: RequestPool;
  readonly baseUrl: string;
}
