import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What the proxy does with a request:
 * - `forward`: passes it to the emulator and its answer back;
 * - `hang`: accepts it and never answers (a hung API, a stuck load balancer);
 * - `lose-answer`: passes it on (a write commits), then answers 503 instead of the emulator's
 *   answer: every attempt of it is seen to fail, though the first one committed;
 * - `unavailable`: answers 503 without passing it on.
 */
export type ProxyAction = "forward" | "hang" | "lose-answer" | "unavailable";

export interface FaultProxy {
  url: string;
  /** Requests the proxy held without an answer so far. */
  hung(): number;
  close(): Promise<void>;
}

/** A reverse proxy on 127.0.0.1 in front of `target` that treats each request as `decide` says. */
export async function startFaultProxy(
  target: string,
  decide: (req: IncomingMessage) => ProxyAction,
): Promise<FaultProxy> {
  const upstream = new URL(target);
  let hung = 0;
  const server: Server = createServer((req, res) => {
    const action = decide(req);
    if (action === "hang") {
      hung++;
      req.resume(); // read the body, answer nothing
      return;
    }
    if (action === "unavailable") {
      req.resume();
      return sendUnavailable(res);
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        if (action === "lose-answer") {
          answer.resume();
          answer.on("end", () => {
            res.writeHead(503, { "content-type": "application/json" });
            res.end(
              JSON.stringify({ code: 14, message: "unavailable (the proxy lost the answer)" }),
            );
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hung: () => hung,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendUnavailable(res: ServerResponse): void {
  res.writeHead(503, { "content-type": "application/json" });
  res.end(JSON.stringify({ code: 14, message: "unavailable (injected by the proxy)" }));
}

/** A ListRuns, ListAssets, ListMetadataKeys or filter check: a read. */
export function isRead(req: IncomingMessage): boolean {
  return req.method === "GET" || (req.url ?? "").includes(":validateFilter");
}
