/**
 * A transport wrapper that notes every HTTP exchange the client makes for `doctor`: status,
 * round trip, the server's `Date` header, and the text of the latest answer. The client keeps
 * its retries, timeouts and error messages; doctor reads what the wire carried (a retried 429,
 * default values emitted or omitted) from here.
 */

export interface Exchange {
  method: string;
  /** The URL's path, without the query. */
  path: string;
  /** 0 when no answer came. */
  status: number;
  /** From sending the request to the answer's last byte. */
  ms: number;
  /** The `Date` header, when the answer carried one. */
  date?: string;
  /** This machine's clock halfway through the exchange (ms since the epoch). */
  localMidpoint: number;
}

export interface Recorder {
  fetch: typeof fetch;
  /** Every exchange so far, in order. */
  readonly exchanges: readonly Exchange[];
  /** The text of the latest answer to a request of `path` (kept for the latest only). */
  lastText(path: string): string | undefined;
}

export function createRecorder(base: typeof fetch, now: () => number = Date.now): Recorder {
  const exchanges: Exchange[] = [];
  const texts = new Map<string, string>();
  const recorded: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const started = now();
    const clock = performance.now();
    const note = (status: number, date?: string) => {
      const ms = performance.now() - clock;
      exchanges.push({
        method,
        path: url.pathname,
        status,
        ms,
        ...(date !== undefined && { date }),
        localMidpoint: started + ms / 2,
      });
    };
    let response: Response;
    let text: string;
    try {
      response = await base(input, init);
      text = await response.text();
    } catch (error) {
      note(0);
      throw error;
    }
    note(response.status, response.headers.get("date") ?? undefined);
    texts.set(url.pathname, text);
    // Only what the client reads of a Response (see node-fetch.ts), its text already read.
    return {
      status: response.status,
      ok: response.ok,
      statusText: response.statusText,
      headers: response.headers,
      text: async () => text,
    } as unknown as Response;
  };
  return { fetch: recorded, exchanges, lastText: (path) => texts.get(path) };
}
