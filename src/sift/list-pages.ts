import { ApiError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ListPagesParams, ListParams, Page } from "./client-types.js";
import { PageGuard } from "./paging.js";
import { requestLineOf } from "./api-operations.js";
import { type Asset, type MetadataKey, type Run, type Tag } from "./schemas.js";

/** Listings read page after page: the page size that shrinks, the guard, the item too large. */

/** The API's largest page; larger values are coerced to it. */
export const MAX_PAGE_SIZE = 1000;

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
export const RUN_PAGES: Listing<Run> = {
  operation: "ListRuns",
  item: "run",
  request: requestLineOf("ListRuns"),
  idOf: (run) => run.runId,
};
export const ASSET_PAGES: Listing<Asset> = {
  operation: "ListAssets",
  item: "asset",
  request: requestLineOf("ListAssets"),
  idOf: (asset) => asset.assetId,
};
export const KEY_PAGES: Listing<MetadataKey> = {
  operation: "ListMetadataKeys",
  item: "metadata key",
  request: requestLineOf("ListMetadataKeys"),
  idOf: (key) => key.name,
};
export const TAG_PAGES: Listing<Tag> = {
  operation: "ListTags",
  item: "tag",
  request: requestLineOf("ListTags"),
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

export async function* flatten<T>(pages: AsyncIterable<T[]>): AsyncGenerator<T> {
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
export async function* pagesThrough<T>(
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
