import { ApiError } from "../core/errors.js";
import { addSecret } from "../core/secrets.js";
import { trustWith, loadCaFile } from "./ca.js";
import type { ListParams, RequestControl, SiftClient, SiftClientOptions } from "./client-types.js";
import { createHttp } from "./http.js";
import { MAX_PAGES_WITHOUT_PROGRESS } from "./limits.js";
import {
  ASSET_PAGES,
  flatten,
  KEY_PAGES,
  pagesThrough,
  RUN_PAGES,
  TAG_PAGES,
} from "./list-pages.js";
import { type Proxy, resolveProxy } from "./proxy.js";
import { createRequestPool } from "./pool.js";
import {
  filterFieldsResponseSchema,
  listAssetsResponseSchema,
  listMetadataKeysResponseSchema,
  listTagsResponseSchema,
  listRunsResponseSchema,
  runResponseSchema,
  validateFilterResponseSchema,
} from "./schemas.js";
import { readRunAnswer, readRunList } from "./run-read.js";
import { endpointOf } from "./api-operations.js";
import { measureUrlBytes, type Query } from "./url.js";

export { ItemTooLargeError, MAX_PAGE_SIZE } from "./list-pages.js";
export type {
  ClientStats,
  ListAllParams,
  ListParams,
  RequestControl,
  SiftClient,
  SiftClientOptions,
} from "./client-types.js";

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
    answerDate: () => http.lastAnswerDate(),
    listRuns(params = {}) {
      return http.send({
        ...endpointOf("ListRuns"),
        query: listQuery(params),
        schema: listRunsResponseSchema,
        read: readRunList,
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
        ...endpointOf("GetRun", runId),
        schema: runResponseSchema,
        read: readRunAnswer,
        ...control,
      });
      return run;
    },
    async validateRunFilter(filter, control: RequestControl = {}) {
      try {
        const { errorMessage } = await http.send({
          ...endpointOf("ValidateRunFilter"),
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
        ...endpointOf("CreateRun"),
        body,
        schema: runResponseSchema,
        read: readRunAnswer,
        ...control,
      });
      return run;
    },
    async createAdhocRun(body, control: RequestControl = {}) {
      const { run } = await http.send({
        ...endpointOf("CreateAdhocRun"),
        body,
        schema: runResponseSchema,
        read: readRunAnswer,
        ...control,
      });
      return run;
    },
    async updateRun(body, control: RequestControl = {}) {
      const { run } = await http.send({
        ...endpointOf("UpdateRun"),
        body,
        schema: runResponseSchema,
        read: readRunAnswer,
        ...control,
      });
      return run;
    },
    listAssets(params = {}) {
      return http.send({
        ...endpointOf("ListAssets"),
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
        ...endpointOf("ListMetadataKeys"),
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
            ...endpointOf("ListTags"),
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
        ...endpointOf("GetRunFilterFields"),
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
    underWay: () => http.underWay(),
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
