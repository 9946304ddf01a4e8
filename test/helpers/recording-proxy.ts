import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the proxy passed on: method, path with query, and the body's exact text. */
interface RecordedRequest {
  method: string;
  url: string;
  body: string;
}

export interface RecordingProxy {
  url: string;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  /** The bodies of the UpdateRun calls (`PATCH /api/v2/runs`), as sent. */
  updateBodies(): string[];
  close(): Promise<void>;
}

/**
 * A reverse proxy in front of the emulator that records each request's body byte for byte
 * before passing it on unchanged: what the client sent, not what the emulator made of it.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", url: req.url ?? "", body: body.toString("utf8") });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    updateBodies: () =>
      requests
        .filter((r) => r.method === "PATCH" && r.url.split("?")[0] === "/api/v2/runs")
        .map((r) => r.body),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
