import { SyncError } from "../core/errors.js";

/** Request URLs: built, encoded and measured exactly as fetch will send them. */

/** Gateways and load balancers in front of the API reject longer URLs (sift-api.md). */
export const MAX_URL_BYTES = 8192;

export type Query = Record<string, string | number | undefined>;

/** `baseUrl + path + ?k=v&...`, leaving out undefined values. */
export function buildRequestUrl(baseUrl: string, path: string, query: Query = {}): string {
  const params = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => `${encodeQueryComponent(k)}=${encodeQueryComponent(String(v))}`);
  return baseUrl + path + (params.length > 0 ? "?" + params.join("&") : "");
}

/**
 * encodeURIComponent, plus `'` as `%27`: fetch's URL parser escapes `'` in a query anyway
 * (WHATWG special-query set), so the URL measured is the URL sent. CEL literals are full of `'`.
 */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(/'/g, "%27");
}

/** Bytes of `url` as fetch will send it. */
export function measureUrlBytes(url: string): number {
  return Buffer.byteLength(new URL(url).href);
}

/**
 * Refuses to send a URL over MAX_URL_BYTES. Callers batch so this never happens; it is a
 * guard against a bug, hence INTERNAL.
 */
export function checkUrlLength(url: string, request: string): void {
  // Every create and update asks for the same URL: it was measured (and parsed) already.
  if (url === lastUrlPassed) return;
  const bytes = measureUrlBytes(url);
  if (bytes > MAX_URL_BYTES) {
    throw new SyncError(
      "INTERNAL",
      `${request}: URL of ${bytes} bytes is over the ${MAX_URL_BYTES}-byte limit (batch smaller)`,
    );
  }
  lastUrlPassed = url;
}

/** The last URL checkUrlLength passed. */
let lastUrlPassed: string | undefined;
