import { createHash } from "node:crypto";
import { invalidArgument } from "./api-error.js";
import { type FilterCompiler, withoutStackTraces } from "./cel-filter.js";
import type { ListQuery } from "./list-query.js";

/**
 * One page of a List call: filter, order, page. Paging is by key, not by offset: the
 * opaque token holds the last item's sort key and creation rank, and the next page starts
 * right after it (a binary search), so walking a million items page by page stays linear
 * and items created meanwhile do not shift the pages.
 */

interface Ranked {
  seq: number;
}

/** Items in ascending (key, seq) order; without keys, ordered by seq alone (created_date). */
interface OrderedView<T> {
  items: T[];
  keys?: string[];
}

interface Order {
  field: string;
  desc: boolean;
}

interface Cursor {
  key?: string;
  seq: number;
}

const CREATED_DATE = "created_date";
const ORDER_BY = /^\s*([a-z_]+)(?:\s+(asc|desc))?\s*$/i;

export class ListSource<T extends Ranked> {
  private readonly sorted = new Map<string, { version: number; view: OrderedView<T> }>();

  constructor(
    private readonly kind: string,
    /** Every item, in creation order. */
    private readonly all: () => T[],
    /** Changes whenever an item changes (invalidates sorted views). */
    private readonly version: () => number,
    /** Sort keys of the orderable fields besides created_date; strings compared as such. */
    private readonly orderKeys: Record<string, (item: T) => string>,
    readonly filters: FilterCompiler<T>,
  ) {}

  page(query: ListQuery): { items: T[]; nextPageToken: string } {
    const order = this.readOrder(query.orderBy);
    const filter = this.filters.compile(query.filter);
    const tokenScope = this.scopeOf(order, query.filter);
    const cursor = query.pageToken === "" ? undefined : readToken(query.pageToken, tokenScope);
    const narrowed = filter.narrow();
    const view =
      narrowed === undefined
        ? this.viewOf(order.field)
        : this.sortView(narrowed.candidates, order.field);
    const check = narrowed?.rest ?? filter;

    const items: T[] = [];
    let more = false;
    const step = order.desc ? -1 : 1;
    withoutStackTraces(() => {
      for (
        let i = startIndex(view, cursor, order.desc);
        i >= 0 && i < view.items.length;
        i += step
      ) {
        const item = view.items[i]!;
        if (!check.matches(item)) continue;
        if (items.length === query.pageSize) {
          more = true;
          break;
        }
        items.push(item);
      }
    });
    const last = items[items.length - 1];
    const nextPageToken =
      more && last !== undefined ? writeToken(tokenScope, this.cursorOf(last, order.field)) : "";
    return { items, nextPageToken };
  }

  private readOrder(orderBy: string): Order {
    if (orderBy.trim() === "") return { field: CREATED_DATE, desc: true };
    const m = ORDER_BY.exec(orderBy);
    const field = m?.[1]?.toLowerCase();
    if (!m || field === undefined || (field !== CREATED_DATE && !(field in this.orderKeys))) {
      const known = [CREATED_DATE, ...Object.keys(this.orderKeys)].join(", ");
      throw invalidArgument(
        `invalid order_by "${orderBy}": use one field of ${known}, optionally followed by asc or desc`,
      );
    }
    return { field, desc: m[2]?.toLowerCase() === "desc" };
  }

  /** A token is valid only for the query (resource, filter, order) it was issued for. */
  private scopeOf(order: Order, filter: string): string {
    const text = `${this.kind}\n${order.field} ${order.desc ? "desc" : "asc"}\n${filter}`;
    return createHash("sha256").update(text).digest("base64url").slice(0, 16);
  }

  private viewOf(field: string): OrderedView<T> {
    if (field === CREATED_DATE) return { items: this.all() };
    const cached = this.sorted.get(field);
    if (cached !== undefined && cached.version === this.version()) return cached.view;
    const view = this.sortView(this.all(), field);
    this.sorted.set(field, { version: this.version(), view });
    return view;
  }

  private sortView(items: T[], field: string): OrderedView<T> {
    if (field === CREATED_DATE) return { items: [...items].sort((a, b) => a.seq - b.seq) };
    const keyOf = this.orderKeys[field]!;
    const pairs = items.map((item) => ({ item, key: keyOf(item) }));
    pairs.sort((a, b) => compareRank(a.key, a.item.seq, b.key, b.item.seq));
    return { items: pairs.map((p) => p.item), keys: pairs.map((p) => p.key) };
  }

  private cursorOf(item: T, field: string): Cursor {
    if (field === CREATED_DATE) return { seq: item.seq };
    return { key: this.orderKeys[field]!(item), seq: item.seq };
  }
}

function compareRank(keyA: string, seqA: number, keyB: string, seqB: number): number {
  if (keyA !== keyB) return keyA < keyB ? -1 : 1;
  return seqA - seqB;
}

/** The index to start at: the first item after the cursor in the direction of travel. */
function startIndex<T extends Ranked>(
  view: OrderedView<T>,
  cursor: Cursor | undefined,
  desc: boolean,
): number {
  const n = view.items.length;
  if (cursor === undefined) return desc ? n - 1 : 0;
  const cmp = (i: number): number =>
    compareRank(view.keys?.[i] ?? "", view.items[i]!.seq, cursor.key ?? "", cursor.seq);
  // First index whose rank is above the cursor's (or equal, for desc).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (desc ? cmp(mid) < 0 : cmp(mid) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return desc ? lo - 1 : lo;
}

function writeToken(scope: string, cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ q: scope, k: cursor.key, s: cursor.seq })).toString(
    "base64url",
  );
}

function readToken(token: string, scope: string): Cursor {
  let parsed: { q?: unknown; k?: unknown; s?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidArgument("invalid page_token");
  }
  const keyOk = parsed.k === undefined || typeof parsed.k === "string";
  if (typeof parsed !== "object" || parsed === null || typeof parsed.s !== "number" || !keyOk) {
    throw invalidArgument("invalid page_token");
  }
  if (parsed.q !== scope) {
    throw invalidArgument(
      "page_token was issued for another query: keep filter and order_by identical while paging",
    );
  }
  return { key: parsed.k as string | undefined, seq: parsed.s };
}
