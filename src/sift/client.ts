import { ApiError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { addSecret } from "../core/secrets.js";
import { trustWith, loadCaFile } from "./ca.js";
import { createHttp, type HttpStats } from "./http.js";
import { MAX_PAGES_WITHOUT_PROGRESS, type RetryOptions } from "./limits.js";
import { PageGuard } from "./paging.js";
import { type Proxy, type ProxyRoute, resolveProxy } from "./proxy.js";
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
  listTagsResponseSchema,
  listRunsResponseSchema,
  type MetadataKey,
  type Tag,
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
  readonly pool: RequestPool;
  readonly baseUrl: string;
}

/** The proxy and trusted CAs of the default transport (none given: node's defaults, direct). */
function networkOf(
  baseUrl: string,
  options: SiftClientOptions,
): { proxy: Proxy | undefined; ca: string[] | undefined } {
  const env = options.env ?? process.env;
  let route = options.proxy;
  if (route === undefined && options.fetch === undefined) {
    try {
      route = resolveProxy(baseUrl, env);
    } catch (error) {
      // not a URL: the first request says so
      if (!URL.canParse(baseUrl)) route = { kind: "direct", reason: "not a URL" };
      else throw error;
    }
  }
  const extra = [...(options.ca ?? []), ...(options.caFile ? loadCaFile(options.caFile) : [])];
  return {
    proxy: route?.kind === "proxy" ? route.proxy : undefined,
    ca: extra.length > 0 ? trustWith(extra, env) : undefined,
  };
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
  addSecret(options.apiKey); // never written by this process's outputs (secrets.ts)
  const pool =
    options.pool ?? createRequestPool({ concurrency: options.concurrency, maxRps: options.maxRps });
  const http = createHttp({ ...options, baseUrl, pool, ...networkOf(baseUrl, options) });
  const { logger } = options;
  const paging = {
    logger,
    maxWithoutProgress: options.maxPagesWithoutProgress ?? MAX_PAGES_WITHOUT_PROGRESS,
  };

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
        stop: params.stop,
      });
    },
    listAllRuns(filter, params = {}) {
      return flatten(client.listRunPages(filter, params));
    },
    listRunPages(filter, params = {}) {
      return pagesThrough(RUN_PAGES, { ...params, filter }, paging, async (p) => {
        const { runs, nextPageToken } = await client.listRuns(p);
        return { items: runs, nextPageToken };
      });
    },
    async getRun(runId, control: RequestControl = {}) {
      const { run } = await http.send({
        operation: "GetRun",
        method: "GET",
        path: `${API_PATHS.runs}/${encodeURIComponent(runId)}`,
        schema: runResponseSchema,
        ...control,
      });
      return run;
    },
    async validateRunFilter(filter, control: RequestControl = {}) {
      try {
        const { errorMessage } = await http.send({
          operation: "ValidateRunFilter",
          method: "POST",
          path: API_PATHS.validateRunFilter,
          body: { filter },
          schema: validateFilterResponseSchema,
          ...control,
        });
        return errorMessage;
      } catch (error) {
        if (!(error instanceof ApiError && NO_SUCH_ENDPOINT.has(error.status))) throw error;
        logger?.info(
          { request: error.request, status: error.status },
          "runs:validateFilter is not served here (a Sift deployment from before 2026-05): checking the filter with a ListRuns of pageSize 1",
        );
        return checkFilterByListing(client, filter, control);
      }
    },
    async createRun(body, control: RequestControl = {}) {
      const { run } = await http.send({
        operation: "CreateRun",
        method: "POST",
        path: API_PATHS.runs,
        body,
        schema: runResponseSchema,
        ...control,
      });
      return run;
    },
    async createAdhocRun(body, control: RequestControl = {}) {
      const { run } = await http.send({
        operation: "CreateAdhocRun",
        method: "POST",
        path: API_PATHS.adhocRuns,
        body,
        schema: runResponseSchema,
        ...control,
      });
      return run;
    },
    async updateRun(body, control: RequestControl = {}) {
      const { run } = await http.send({
        operation: "UpdateRun",
        method: "PATCH",
        path: API_PATHS.runs,
        body,
        schema: runResponseSchema,
        ...control,
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
        stop: params.stop,
      });
    },
    listAllAssets(filter, params = {}) {
      return flatten(
        pagesThrough(ASSET_PAGES, { ...params, filter }, paging, async (p) => {
          const { assets, nextPageToken } = await client.listAssets(p);
          return { items: assets, nextPageToken };
        }),
      );
    },
    listMetadataKeys(params = {}) {
      return http.send({
        operation: "ListMetadataKeys",
        method: "GET",
        path: API_PATHS.metadataKeys,
        query: listQuery(params),
        schema: listMetadataKeysResponseSchema,
        signal: params.signal,
        stop: params.stop,
      });
    },
    listAllMetadataKeys(filter, params = {}) {
      return flatten(
        pagesThrough(KEY_PAGES, { ...params, filter }, paging, async (p) => {
          const { metadataKeys, nextPageToken } = await client.listMetadataKeys(p);
          return { items: metadataKeys, nextPageToken };
        }),
      );
    },
    listAllTags(filter, params = {}) {
      return flatten(
        pagesThrough(TAG_PAGES, { ...params, filter }, paging, async (p) => {
          const { tags, nextPageToken } = await http.send({
            operation: "ListTags",
            method: "GET",
            path: API_PATHS.tags,
            query: listQuery(p),
            schema: listTagsResponseSchema,
            signal: p.signal,
            stop: p.stop,
          });
          return { items: tags, nextPageToken };
        }),
      );
    },
    async listRunFilterFields(control: RequestControl = {}) {
      const { filterFields } = await http.send({
        operation: "GetRunFilterFields",
        method: "GET",
        path: API_PATHS.runFilterFields,
        schema: filterFieldsResponseSchema,
        ...control,
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
 * NOTE: `runs:validateFilter` exists only since 2026-05; an older deployment answers one of
 * these for it (unknown path, unknown method, not implemented). That is not an error.
 */
const NO_SUCH_ENDPOINT = new Set([404, 405, 501]);

/** A ListRuns of pageSize 1 with `filter`: its 400 is the filter's problem; "" when it lists. */
async function checkFilterByListing(
  client: Pick<SiftClient, "listRuns">,
  filter: string,
  control: RequestControl,
): Promise<string> {
  try {
    await client.listRuns({ filter, pageSize: 1, ...control });
    return "";
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return error.apiMessage;
    // A page of 1 too large to send still means the filter was read.
    if (error instanceof ApiError && error.answerTooLarge) return "";
    throw error;
  }
}

/** What a listing is called in its messages, and how its items are told apart. */
interface Listing<T> {
  operation: string;
  /** `run`, `asset`, `metadata key` */
  item: string;
  /** `GET /api/v2/runs`, as errors name the request. */
  request: string;
  /** An item's identity, to tell a page already seen (PageGuard). */
  idOf: (item: T) => string;
}
const RUN_PAGES: Listing<Run> = {
  operation: "ListRuns",
  item: "run",
  request: `GET ${API_PATHS.runs}`,
  idOf: (run) => run.runId,
};
const ASSET_PAGES: Listing<Asset> = {
  operation: "ListAssets",
  item: "asset",
  request: `GET ${API_PATHS.assets}`,
  idOf: (asset) => asset.assetId,
};
const KEY_PAGES: Listing<MetadataKey> = {
  operation: "ListMetadataKeys",
  item: "metadata key",
  request: `GET ${API_PATHS.metadataKeys}`,
  idOf: (key) => key.name,
};
const TAG_PAGES: Listing<Tag> = {
  operation: "ListTags",
  item: "tag",
  request: `GET ${API_PATHS.tags}`,
  idOf: (tag) => tag.tagId,
};

/** How much of a filter an error quotes. */
const MAX_QUOTED_FILTER = 200;

/**
 * One item Sift will not send even alone (a page of 1 refused for its size): reading it through
 * the REST API is impossible. `itemsBefore` locates it in its listing.
 */
export class ItemTooLargeError extends ApiError {
  constructor(
    readonly listing: { operation: string; item: string; filter?: string | undefined },
    readonly itemsBefore: number,
    /** The API's refusal of the page of 1. */
    readonly refused: ApiError,
  ) {
    const filter = listing.filter ?? "";
    const quoted =
      filter.length > MAX_QUOTED_FILTER ? `${filter.slice(0, MAX_QUOTED_FILTER)}...` : filter;
    const where = `${listing.operation}${filter === "" ? "" : ` with filter ${JSON.stringify(quoted)}`}`;
    const position =
      itemsBefore === 0
        ? `its first ${listing.item}`
        : `the ${listing.item} after the first ${itemsBefore}`;
    super(
      {
        request: refused.request,
        status: refused.status,
        grpcCode: refused.grpcCode,
        apiMessage: `${refused.apiMessage}: a single ${listing.item} is larger than the API sends in one answer, even with pageSize 1 (${where}: ${position}); it cannot be read through the REST API`,
        answerTooLarge: true,
      },
      { cause: refused },
    );
  }
}

async function* flatten<T>(pages: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}

/**
 * Follows nextPageToken, keeping every other parameter identical (the API requires it), except
 * the page size: a page the API refuses for its size (429 RESOURCE_EXHAUSTED "message larger
 * than max") is asked for again at once with half the pageSize, down to 1, and later pages keep
 * the smaller size (AIP-158 lets a client change page_size between pages). Stops with an error
 * if a single item is too large, or if the paging goes round in circles (PageGuard: a token
 * handed back again, or `maxWithoutProgress` pages in a row with nothing new); a page seen
 * before is not yielded again.
 */
async function* pagesThrough<T>(
  listing: Listing<T>,
  params: ListPagesParams & { filter?: string },
  options: { logger: Logger | undefined; maxWithoutProgress: number },
  fetchPage: (params: ListParams) => Promise<Page<T>>,
): AsyncGenerator<T[]> {
  const { logger } = options;
  const { prefetch = false, ...query } = params;
  const items = `${listing.item}s`;
  const guard = new PageGuard(
    { ...listing, items, filter: query.filter },
    options.maxWithoutProgress,
  );
  let pageSize = query.pageSize ?? MAX_PAGE_SIZE;
  let pageToken: string | undefined;
  let itemsBefore = 0;
  const request = (token: string | undefined) => {
    const pending = fetchPage({ ...query, pageSize, pageToken: token });
    pending.catch(() => {}); // awaited below; a prefetched page may be abandoned
    return pending;
  };
  let next = request(undefined);
  for (;;) {
    let page: Page<T>;
    try {
      page = await next;
    } catch (error) {
      if (!(error instanceof ApiError && error.answerTooLarge)) throw error;
      if (pageSize <= 1) {
        throw new ItemTooLargeError({ ...listing, filter: query.filter }, itemsBefore, error);
      }
      const smaller = Math.max(1, Math.floor(pageSize / 2));
      logger?.info(
        { request: error.request, pageSize: smaller },
        `${listing.operation}: a page of ${pageSize} was refused for its size (${error.apiMessage}); asking for ${smaller}`,
      );
      pageSize = smaller;
      next = request(pageToken);
      continue;
    }
    const token = page.nextPageToken;
    const fresh = guard.check(page.items.map(listing.idOf), token);
    if (fresh) itemsBefore += page.items.length;
    if (token !== "") {
      pageToken = token;
      if (prefetch) next = request(token);
    }
    if (fresh) yield page.items;
    if (token === "") return;
    if (!prefetch) next = request(token);
  }
}
