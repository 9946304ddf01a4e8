import { createHash } from "node:crypto";
import { invalidArgument } from "./api-error.js";
import { type FilterCompiler, withoutStackTraces } from "./cel-filter.js";
import {
  compareSortValues,
  type Order,
  type OrderFields,
  readOrder,
  type SortValue,
} from "./list-order.js";
import type { ListQuery } from "./list-query.js";

/**
 * One page of a List call: filter, order, page. Paging is by key, not by offset: the
 * opaque token holds the last item's sort values and creation rank, and the next page
 * starts right after it (a binary search), so walking a million items page by page stays
 * linear and items created meanwhile do not shift the pages. Sorted orders are cached
 * until the store changes.
 */

interface Ranked {
  seq: number;
}

/**
 * Items in the order of the query. `values[t][i]` is the value of term t for items[i];
 * ties are broken by seq. Creation order has no values: the store's list is walked
 * forward, or backward for `created_date desc`.
 */
interface OrderedView<T> {
  items: T[];
  values: SortValue[][];
  desc: (boolean | undefined)[];
  backward: boolean;
}

interface Cursor {
  values: SortValue[];
  seq: number;
}

/** A cursor as a token carries it: its values, or (when long) their hash. */
type Token =
  | { values: SortValue[]; hash?: undefined; seq: number }
  | { values?: undefined; hash: string; seq: number };

/** Sorted views kept per resource (each holds a reference per item, plus its sort values). */
const MAX_CACHED_VIEWS = 8;
/**
 * Sort values longer than this (a long description) are not copied into the token, which
 * must fit a URL: the token names the item and a hash of its values instead.
 */
const MAX_TOKEN_VALUES_CHARS = 512;

export class ListSource<T extends Ranked> {
  private readonly sorted = new Map<string, { version: number; view: OrderedView<T> }>();

  constructor(
    private readonly kind: string,
    /** Every item, in creation order. */
    private readonly all: () => T[],
    /** Changes whenever an item changes (invalidates sorted views). */
    private readonly version: () => number,
    private readonly orderFields: OrderFields<T>,
    readonly filters: FilterCompiler<T>,
  ) {}

  /**
   * `also`: a request parameter that narrows the list besides the filter (ListTags'
   * `tag_type`), with `text` naming it in the page token's scope.
   */
  page(
    query: ListQuery,
    also?: { matches: (item: T) => boolean; text: string },
  ): { items: T[]; nextPageToken: string } {
    const order = readOrder(query.orderBy, this.orderFields);
    const filter = this.filters.compile(query.filter);
    const scope = also === undefined ? query.filter : `${query.filter}\n${also.text}`;
    const tokenScope = this.scopeOf(order, scope);
    const token = query.pageToken === "" ? undefined : readToken(query.pageToken, tokenScope);
    const cursor = token === undefined ? undefined : this.resolve(token, order);
    const narrowed = filter.narrow();
    const view = narrowed === undefined ? this.viewOf(order) : sortView(narrowed.candidates, order);
    const check = narrowed?.rest ?? filter;

    const items: T[] = [];
    let more = false;
    let last = -1;
    const n = view.items.length;
    withoutStackTraces(() => {
      for (let i = startIndex(view, cursor); i < n; i++) {
        const item = view.items[view.backward ? n - 1 - i : i]!;
        if (!check.matches(item) || (also !== undefined && !also.matches(item))) continue;
        if (items.length === query.pageSize) {
          more = true;
          break;
        }
        items.push(item);
        last = i;
      }
    });
    const nextPageToken = more ? writeToken(tokenScope, cursorAt(view, last)) : "";
    return { items, nextPageToken };
  }

  /** The cursor of a token; one holding a hash takes the values of the item it names. */
  private resolve(token: Token, order: Order<T>): Cursor {
    if (token.values !== undefined) return { values: token.values, seq: token.seq };
    const item = this.all()[token.seq];
    const values = item === undefined ? [] : order.terms.map((term) => term.read(item));
    if (item === undefined || hashValues(encodeValues(values)) !== token.hash) {
      throw invalidArgument(
        "page_token expired: the item it continues from changed; list again from the first page",
      );
    }
    return { values, seq: token.seq };
  }

  /** A token is valid only for the query (resource, filter, order) it was issued for. */
  private scopeOf(order: Order<T>, filter: string): string {
    const text = `${this.kind}\n${order.text}\n${filter}`;
    return createHash("sha256").update(text).digest("base64url").slice(0, 16);
  }

  private viewOf(order: Order<T>): OrderedView<T> {
    if (order.creation !== undefined) return sortView(this.all(), order, true);
    const cached = this.sorted.get(order.text);
    if (cached !== undefined && cached.version === this.version()) return cached.view;
    const view = sortView(this.all(), order);
    this.sorted.delete(order.text);
    if (this.sorted.size >= MAX_CACHED_VIEWS) this.sorted.delete(this.sorted.keys().next().value!);
    this.sorted.set(order.text, { version: this.version(), view });
    return view;
  }
}

/** `items` in `order`; with `inCreationOrder`, `items` are known to be in seq order already. */
function sortView<T extends Ranked>(
  items: T[],
  order: Order<T>,
  inCreationOrder = false,
): OrderedView<T> {
  if (order.creation !== undefined) {
    const ordered = inCreationOrder ? items : [...items].sort((a, b) => a.seq - b.seq);
    return { items: ordered, values: [], desc: [], backward: order.creation.desc };
  }
  const columns = order.terms.map((term) => items.map(term.read));
  const desc = order.terms.map((term) => term.desc);
  const index = Array.from(items, (_, i) => i);
  index.sort((i, j) => {
    for (let t = 0; t < columns.length; t++) {
      const c = compareSortValues(columns[t]![i]!, columns[t]![j]!, desc[t]!);
      if (c !== 0) return c;
    }
    return items[i]!.seq - items[j]!.seq;
  });
  return {
    items: index.map((i) => items[i]!),
    values: columns.map((column) => index.map((i) => column[i]!)),
    desc,
    backward: false,
  };
}

/** The cursor of the item at position `i` in the direction of travel. */
function cursorAt<T extends Ranked>(view: OrderedView<T>, i: number): Cursor {
  const n = view.items.length;
  const at = view.backward ? n - 1 - i : i;
  return { values: view.values.map((column) => column[at]!), seq: view.items[at]!.seq };
}

/** Position (in the direction of travel) `i` compared with the cursor: <0 before, >0 after. */
function compareToCursor<T extends Ranked>(view: OrderedView<T>, i: number, cursor: Cursor) {
  const n = view.items.length;
  const at = view.backward ? n - 1 - i : i;
  for (let t = 0; t < view.values.length; t++) {
    const c = compareSortValues(view.values[t]![at]!, cursor.values[t] ?? null, view.desc[t]!);
    if (c !== 0) return c;
  }
  const bySeq = view.items[at]!.seq - cursor.seq;
  return view.backward ? -bySeq : bySeq;
}

/** The first position after the cursor (a binary search: positions are in cursor order). */
function startIndex<T extends Ranked>(view: OrderedView<T>, cursor: Cursor | undefined): number {
  if (cursor === undefined) return 0;
  if (cursor.values.length !== view.values.length) throw invalidArgument("invalid page_token");
  let lo = 0;
  let hi = view.items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareToCursor(view, mid, cursor) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** NOTE: numbers travel as text so that NaN and ±Infinity survive JSON. */
function encodeValues(values: SortValue[]): unknown[] {
  return values.map((v) => (typeof v === "number" ? { n: String(v) } : v));
}

function hashValues(encoded: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(encoded)).digest("base64url").slice(0, 22);
}

function writeToken(scope: string, cursor: Cursor): string {
  const k = encodeValues(cursor.values);
  const long = JSON.stringify(k).length > MAX_TOKEN_VALUES_CHARS;
  const body = long
    ? { q: scope, h: hashValues(k), s: cursor.seq }
    : { q: scope, k, s: cursor.seq };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

function readToken(token: string, scope: string): Token {
  let parsed: { q?: unknown; k?: unknown; h?: unknown; s?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidArgument("invalid page_token");
  }
  if (typeof parsed !== "object" || parsed === null || !Number.isInteger(parsed.s)) {
    throw invalidArgument("invalid page_token");
  }
  const seq = parsed.s as number;
  const values = Array.isArray(parsed.k) ? parsed.k.map(readTokenValue) : undefined;
  const valid = values !== undefined && !values.includes(undefined);
  if (!valid && typeof parsed.h !== "string") throw invalidArgument("invalid page_token");
  if (parsed.q !== scope) {
    throw invalidArgument(
      "page_token was issued for another query: keep filter and order_by identical while paging",
    );
  }
  return valid ? { values: values as SortValue[], seq } : { hash: parsed.h as string, seq };
}

function readTokenValue(value: unknown): SortValue | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "object" && typeof (value as { n?: unknown }).n === "string") {
    return Number((value as { n: string }).n);
  }
  return undefined;
}
