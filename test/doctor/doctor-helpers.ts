import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { main } from "../../src/cli/main.js";
import type { CheckResult, DoctorReport } from "../../src/doctor/check.js";
import { captureIo } from "../helpers/io.js";

/** `doctor --format json` in-process against `url` with `key`; the report parsed. */
export async function doctorJson(
  url: string,
  args: string[] = [],
  key = "local",
  cwd = process.cwd(),
): Promise<{ code: number; report: DoctorReport; stderr: string; stdout: string }> {
  const io = captureIo({ SIFT_REST_URI: url, SIFT_API_KEY: key }, cwd);
  const code = await main(["doctor", "--format", "json", ...args], io);
  return { code, report: JSON.parse(io.out()) as DoctorReport, stderr: io.err(), stdout: io.out() };
}

/** The check of this id (throws when the report has none, naming the ids it has). */
export function check(report: DoctorReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (found === undefined) {
    throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(", ")}`);
  }
  return found;
}

/**
 * A front in front of `target` that passes every request on and rewrites the answer's `Date`
 * header to `skewSeconds` from now (a server whose clock is off).
 */
export async function startSkewedFront(
  target: string,
  skewSeconds: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        const headers = {
          ...answer.headers,
          date: new Date(Date.now() + skewSeconds * 1000).toUTCString(),
        };
        res.writeHead(answer.statusCode ?? 502, headers);
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
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
