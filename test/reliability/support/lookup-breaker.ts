import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A reverse proxy in front of the emulator that answers `403 PERMISSION_DENIED` to every
 * ListRuns (a lookup) after the first `okLookups`: a lookup failing for good, as when a key
 * loses its read permission in the middle of a job. Everything else is forwarded as is.
 */
export async function startLookupBreaker(
  target: string,
  okLookups: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  let lookups = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.startsWith("/api/v2/runs") && ++lookups > okLookups) {
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 7, message: "permission denied: runs.read revoked" }));
      return;
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
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
