import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { cli, workspace } from "../security/support.js";

/**
 * Issue 18.9, the small ones: a 3xx names its Location (and is not followed); an argument
 * named `debug` does not turn on stack traces. (A symlink loop: test/security/special-files;
 * "no answer: no answer": test/sift/http-retry.)
 */
const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler!);
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

const { manifests } = workspace({ "runs.csv": "clientKey,name\nm-1,Run 1\n" });

describe("a 3xx answer", () => {
  it.each([
    [
      "absolute",
      "https://sift.example.com/api/v2/runs?token=s3cr3t&x=1",
      "https://sift.example.com/api/v2/runs?...",
    ],
    ["relative", "/v2/elsewhere", "ORIGIN/v2/elsewhere"],
  ])(
    "names its Location (%s), without its query string, and is not followed",
    async (_, location, shown) => {
      const paths: string[] = [];
      const url = await listen((req, res) => {
        paths.push(req.url ?? "");
        res.writeHead(302, { location });
        res.end();
      });
      const run = await cli(["plan", manifests], {
        SIFT_REST_URI: url,
        SIFT_API_KEY: "local-key-123",
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error: [GET /api/v2/runs] 302: Found: redirects to ${shown.replace("ORIGIN", url)}, not followed (the API key would go with it; if Sift is there, make that the base URL)\n`,
      );
      expect(run.stderr).not.toContain("s3cr3t");
      // Not followed: nothing asked for where it points.
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.filter((p) => !p.startsWith("/api/v2/"))).toEqual([]);
    },
  );

  it("without a Location, says so", async () => {
    const url = await listen((_req, res) => {
      res.writeHead(301);
      res.end();
    });
    const run = await cli(["plan", manifests], {
      SIFT_REST_URI: url,
      SIFT_API_KEY: "local-key-123",
    });
    expect(run.stderr).toContain("301: Moved Permanently, a redirect without a Location");
  });
});

describe("an argument named debug", () => {
  const emulator = useEmulator();
  const { dir } = workspace({});
  const debugDir = join(dir, "debug");
  mkdirSync(debugDir);
  writeFileSync(join(debugDir, "runs.csv"), "clientKey,name\nd-1,Run 1\n");
  // A wrong key: an API error, which shows its stack with --log-level debug alone.
  const env = () => ({ SIFT_REST_URI: emulator().url, SIFT_API_KEY: "wrong-key-456" });

  it("a manifest directory called debug shows no stack trace", async () => {
    const run = await cli(["plan", "debug"], env(), dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/401/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("--log-level debug (and trace) does, whether written with = or not", async () => {
    for (const args of [["--log-level", "debug"], ["--log-level=trace"]]) {
      const run = await cli(["plan", "debug", ...args], env(), dir);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/\n\s+at /);
    }
  });
});
