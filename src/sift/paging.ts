import { createHash } from "node:crypto";
import { ApiError } from "../core/errors.js";
import { MAX_PAGES_WITHOUT_PROGRESS } from "./limits.js";

/** One paged endpoint, as errors name it. */
export interface ListingName {
  /** `GET /api/v2/runs`. */
  request: string;
  /** What the pages hold, for messages: `runs`. */
  items: string;
  /** The listing's filter, quoted (shortened) in errors. */
  filter?: string;
}

/** How much of a filter or page token a paging error quotes. */
const MAX_QUOTED = 120;

/**
 * Watches a listing's pages for paging that goes round in circles, and stops it with an error
 * naming the request: at once when the server hands back a token it already gave, and after
 * `maxWithoutProgress` pages in a row that bring nothing new (no item, or the same items as a
 * page already seen), whatever their tokens.
 */
export class PageGuard {
  private readonly tokens = new Set<string>();
  /** A digest of each page's item ids. */
  private readonly pages = new Set<string>();
  private withoutProgress = 0;

  constructor(
    private readonly name: ListingName,
    private readonly maxWithoutProgress = MAX_PAGES_WITHOUT_PROGRESS,
  ) {}

  /** Whether the page brings new items (a page seen before does not: skip its items). Throws when paging loops. */
  check(ids: readonly string[], nextPageToken: string): boolean {
    const digest = createHash("sha256").update(ids.join("\0")).digest("base64");
    const fresh = ids.length > 0 && !this.pages.has(digest);
    if (fresh) {
      this.pages.add(digest);
      this.withoutProgress = 0;
    } else if (++this.withoutProgress >= this.maxWithoutProgress && nextPageToken !== "") {
      throw this.error(
        `${this.withoutProgress} pages in a row brought no new ${this.name.items}, and the page tokens went on`,
      );
    }
    if (nextPageToken === "") return fresh;
    if (this.tokens.has(nextPageToken)) {
      throw this.error(
        `the API handed back page token ${JSON.stringify(shorten(nextPageToken))} a second time`,
      );
    }
    this.tokens.add(nextPageToken);
    return fresh;
  }

  /** `[GET /api/v2/runs] 200: broken paging (filter "..."): ...; stopped paging` */
  private error(why: string): ApiError {
    const { filter } = this.name;
    const quoted = filter ? ` (filter ${JSON.stringify(shorten(filter))})` : "";
    return new ApiError({
      request: this.name.request,
      status: 200,
      apiMessage: `broken paging${quoted}: ${why}; stopped paging`,
      reason: "broken-answer",
    });
  }
}

function shorten(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}...` : text;
}
