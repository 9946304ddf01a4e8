import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What a test server received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface TestServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1, ephemeral port. `answer` gets the request (body read) and
 * its index; it writes the response, or leaves it hanging to simulate a timeout.
 */
export async function startTestServer(
  answer: (req: Received, res: ServerResponse, index: number) => void,
): Promise<TestServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(r);
      answer(r, res, received.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** A minimal valid Run as protojson emits it (defaults omitted). */
export function wireRun(
  runId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { runId, name: `run ${runId}`, ...extra };
}

/** Retry settings that keep tests fast. */
export const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 };
