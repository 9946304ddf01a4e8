import { SyncError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { createHttp, type HttpStats, type RetryOptions } from "./http.js";
import { createRequestPool, type PoolStats, type RequestPool } from "./pool.js";
import {
  API_PATHS,
  type Asset,
  type CreateAdhocRunBody,
  type CreateRunBody,
  type FilterField,
  filterFieldsResponseSchema,
  listAssetsResponseSchema,
  listMetadataKeysResponseSchema,
  listRunsResponseSchema,
  type MetadataKey,
  type Run,
  runResponseSchema,
  type UpdateRunBody,
  validateFilterResponseSchema,
} from "./schemas.js";
import { MAX_URL_BYTES, measureUrlBytes, type Query } from "./url.js";

export { MAX_URL_BYTES };

/** The API's largest page; larger values are coerced to it. */
export const MAX_PAGE_SIZE = 1000;

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
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  retry?: RetryOptions;
  logger?: Logger;
}

export interface ListParams {
  /** CEL, e.g. `client_key in ['a', 'b']` (build it with celIn / celString). */
  filter?: string;
  pageSize?: number;
  pageToken?: string;
  orderBy?: string;
  signal?: AbortSignal;
}
export type ListAllParams = Omit<ListParams, "pageToken" | "filter">;

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

export interface ClientStats extends HttpStats {
  pool: PoolStats;
}

export interface SiftClient {
  listRuns(params?: ListParams): Promise<{ runs: Run[]; nextPageToken: string }>;
  /** Every run matching `filter`, page after page (pageSize 1000 unless given). */
  listAllRuns(filter?: string, params?: ListAllParams): AsyncGenerator<Run>;
  getRun(runId: string, options?: { signal?: AbortSignal }): Promise<Run>;
  /** NOTE: retried like any request: with a clientKey a duplicate is impossible (409 instead). */
  createRun(body: CreateRunBody, options?: { signal?: AbortSignal }): Promise<Run>;
  createAdhocRun(body: CreateAdhocRunBody, options?: { signal?: AbortSignal }): Promise<Run>;
  updateRun(body: UpdateRunBody, options?: { signal?: AbortSignal }): Promise<Run>;
  listAssets(params?: ListParams): Promise<{ assets: Asset[]; nextPageToken: string }>;
  listAllAssets(filter?: string, params?: ListAllParams): AsyncGenerator<Asset>;
  listMetadataKeys(
    params?: ListParams,
  ): Promise<{ metadataKeys: MetadataKey[]; nextPageToken: string }>;
  listAllMetadataKeys(filter?: string, params?: ListAllParams): AsyncGenerator<MetadataKey>;
  /** The fields a ListRuns filter may use, with their types (`GET /api/v2/runs:filterFields`). */
  listRunFilterFields(options?: { signal?: AbortSignal }): Promise<FilterField[]>;
  /**
   * Asks the API whether `filter` is a valid ListRuns filter: resolves to `""` when it is,
   * otherwise to the API's description of the problem (`POST /api/v2/runs:validateFilter`).
   * @example
   * const problem = await client.validateRunFilter("name == 'x' &&");
   * if (problem !== "") throw new Error(`--filter: ${problem}`);
   */
  validateRunFilter(filter: string, options?: { signal?: AbortSignal }): Promise<string>;
  /** Bytes of the URL a list request would use: batch filters so it stays ≤ MAX_URL_BYTES. */
  listUrlBytes(path: string, params: Omit<ListParams, "signal">): number;
  stats(): ClientStats;
  readonly pool: RequestPool;
  readonly baseUrl: string;
}

/**
 * A typed client for the Sift REST endpoints this tool uses. Every request goes through one
 * request pool, is retried on 429/502/503/504/network errors, and fails as an ApiError.
 *
 * @example
 * const client = createSiftClient({ baseUrl: "https://api.siftstack.com", apiKey });
 * for await (const run of client.listAllRuns(celIn("client_key", keys))) console.log(run.runId);
 */
export function createSiftClient(options: SiftClientOptions): SiftClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const pool =
    options.pool ?? createRequestPool({ concurrency: options.concurrency, maxRps: options.maxRps });
  const http = createHttp({ ...options, baseUrl, pool });

  function listQuery(params: ListParams): Query {
    return {
      pageSize: params.pageSize,
      pageToken: params.pageToken || undefined,
      filter: params.filter || undefined,
      orderBy: params.orderBy || undefined,
    };
  }

  const client: SiftClient = {
    pool,
    baseUrl,
    listRuns(params = {}) {
      return http.send({
        operation: "ListRuns",
        method: "GET",
        path: API_PATHS.runs,
        query: listQuery(params),
        schema: listRunsResponseSchema,
        signal: params.signal,
      });
    },
    listAllRuns(filter, params = {}) {
      return pageThrough("ListRuns", { ...params, filter }, async (p) => {
        const { runs, nextPageToken } = await client.listRuns(p);
        return { items: runs, nextPageToken };
      });
    },
    async getRun(runId, { signal } = {}) {
      const { run } = await http.send({
        operation: "GetRun",
        method: "GET",
        path: `${API_PATHS.runs}/${encodeURIComponent(runId)}`,
        schema: runResponseSchema,
        signal,
      });
      return run;
    },
    async validateRunFilter(filter, { signal } = {}) {
      const { errorMessage } = await http.send({
        operation: "ValidateRunFilter",
        method: "POST",
        path: API_PATHS.validateRunFilter,
        body: { filter },
        schema: validateFilterResponseSchema,
        signal,
      });
      return errorMessage;
    },
    async createRun(body, { signal } = {}) {
      const { run } = await http.send({
        operation: "CreateRun",
        method: "POST",
        path: API_PATHS.runs,
        body,
        schema: runResponseSchema,
        signal,
      });
      return run;
    },
    async createAdhocRun(body, { signal } = {}) {
      const { run } = await http.send({
        operation: "CreateAdhocRun",
        method: "POST",
        path: API_PATHS.adhocRuns,
        body,
        schema: runResponseSchema,
        signal,
      });
      return run;
    },
    async updateRun(body, { signal } = {}) {
      const { run } = await http.send({
        operation: "UpdateRun",
        method: "PATCH",
        path: API_PATHS.runs,
        body,
        schema: runResponseSchema,
        signal,
      });
      return run;
    },
    listAssets(params = {}) {
      return http.send({
        operation: "ListAssets",
        method: "GET",
        path: API_PATHS.assets,
        query: listQuery(params),
        schema: listAssetsResponseSchema,
        signal: params.signal,
      });
    },
    listAllAssets(filter, params = {}) {
      return pageThrough("ListAssets", { ...params, filter }, async (p) => {
        const { assets, nextPageToken } = await client.listAssets(p);
        return { items: assets, nextPageToken };
      });
    },
    listMetadataKeys(params = {}) {
      return http.send({
        operation: "ListMetadataKeys",
        method: "GET",
        path: API_PATHS.metadataKeys,
        query: listQuery(params),
        schema: listMetadataKeysResponseSchema,
        signal: params.signal,
      });
    },
    listAllMetadataKeys(filter, params = {}) {
      return pageThrough("ListMetadataKeys", { ...params, filter }, async (p) => {
        const { metadataKeys, nextPageToken } = await client.listMetadataKeys(p);
        return { items: metadataKeys, nextPageToken };
      });
    },
    async listRunFilterFields({ signal } = {}) {
      const { filterFields } = await http.send({
        operation: "GetRunFilterFields",
        method: "GET",
        path: API_PATHS.runFilterFields,
        schema: filterFieldsResponseSchema,
        signal,
      });
      return filterFields;
    },
    listUrlBytes(path, params) {
      return measureUrlBytes(http.buildUrl(path, listQuery(params)));
    },
    stats() {
      return { ...http.stats(), pool: pool.stats() };
    },
  };
  return client;
}

/**
 * Follows nextPageToken, keeping every other parameter identical (the API requires it).
 * Stops with an error if the server hands back a token it already gave.
 */
async function* pageThrough<T>(
  operation: string,
  params: ListParams,
  fetchPage: (params: ListParams) => Promise<Page<T>>,
): AsyncGenerator<T> {
  const seen = new Set<string>();
  let pageToken: string | undefined;
  const pageSize = params.pageSize ?? MAX_PAGE_SIZE;
  for (;;) {
    const page = await fetchPage({ ...params, pageSize, pageToken });
    yield* page.items;
    if (page.nextPageToken === "") return;
    if (seen.has(page.nextPageToken)) {
      throw new SyncError("API", `${operation}: the API repeated a page token; stopped paging`);
    }
    seen.add(page.nextPageToken);
    pageToken = page.nextPageToken;
  }
}
