import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { ApiError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createSiftClient } from "../../src/sift/client.js";
import { manifestDir, SEED, useEmulator } from "../e2e/harness.js";
import { captureIo } from "../helpers/io.js";
import { FAST_RETRY } from "./test-server.js";

/**
 * Issue 11: a host that does not resolve, TLS spoken to a plain-HTTP server and a certificate
 * that is not trusted fail at once, in a sentence; refused connections are retried, each retry
 * visible at the default log level; a URL holding `/api/...` gets a hint naming its source.
 */

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** The client's error for one GetRun, with what it took. */
async function failingGet(baseUrl: string, logLines: string[] = []) {
  const logger = createLogger({
    level: "warn",
    format: "json",
    stream: { write: (line: string) => logLines.push(line) },
    secrets: [],
  });
  const client = createSiftClient({ baseUrl, apiKey: "k", retry: FAST_RETRY, logger });
  const error = await client.getRun("r1").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  return { error: error as ApiError, requests: client.stats().requests };
}

const HAS_OPENSSL = spawnSync("openssl", ["version"]).status === 0;

describe("errors that retrying cannot fix fail at the first attempt, in a sentence", () => {
  it("https:// spoken to a plain-HTTP server", async () => {
    const port = await listen(createHttpServer((_req, res) => res.end("{}")));
    const { error, requests } = await failingGet(`https://127.0.0.1:${port}`);
    expect(requests).toBe(1);
    expect(error.apiMessage).toBe(
      `https://127.0.0.1:${port} answered without TLS: is it http://?; check --api-url or SIFT_REST_URI`,
    );
    expect(error.message).not.toMatch(/SSL routines|ssl3_get_record|EPROTO/);
  });

  it("a host name that does not resolve", async () => {
    const { error, requests } = await failingGet("https://nonexistent.invalid");
    expect(requests).toBe(1);
    expect(error.apiMessage).toMatch(
      /^cannot resolve the host name nonexistent\.invalid: no such host \(DNS E[A-Z_]+\); check --api-url or SIFT_REST_URI$/,
    );
  });

  it.skipIf(!HAS_OPENSSL)("a certificate that is not trusted (self-signed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "srs-tls-"));
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    const made = spawnSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ]);
    expect(made.status).toBe(0);
    const server = createHttpsServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_req, res) => res.end("{}"),
    );
    const port = await listen(server);
    const { error, requests } = await failingGet(`https://localhost:${port}`);
    expect(requests).toBe(1);
    expect(error.apiMessage).toMatch(
      new RegExp(
        `^the TLS certificate of localhost:${port} is not accepted: self[- ]signed certificate \\(DEPTH_ZERO_SELF_SIGNED_CERT\\); .*NODE_EXTRA_CA_CERTS`,
      ),
    );
  });
});

describe("a refused connection", () => {
  it("is retried, and each retry is logged at warn, the default level", async () => {
    const port = await listen(createHttpServer());
    servers.pop()!.close(); // nothing listens there any more
    const lines: string[] = [];
    const { error, requests } = await failingGet(`http://127.0.0.1:${port}`, lines);
    expect(requests).toBe(FAST_RETRY.maxAttempts);
    expect(error.apiMessage).toMatch(/cannot reach 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const retries = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(retries).toHaveLength(FAST_RETRY.maxAttempts - 1);
    expect(retries.every((r) => r.level === 40)).toBe(true);
    expect(retries[0]!.msg).toMatch(
      new RegExp(
        `^retrying: cannot reach .*ECONNREFUSED.*; attempt 2 of ${FAST_RETRY.maxAttempts} in \\d+\\.\\d s$`,
      ),
    );
  });
});

describe("a base URL that holds the API path", () => {
  const emulator = useEmulator({ seed: SEED });
  const dir = () => manifestDir({ "runs.csv": "clientKey,name\nk1,A\n" });

  async function plan(env: Record<string, string>, args: string[] = []) {
    const io = captureIo({ SIFT_API_KEY: "local", ...env });
    const code = await main(["plan", dir(), ...args], io);
    return { code, stderr: io.err() };
  }

  it("names the flag it came from and the root to use", async () => {
    const url = `${emulator().url}/api/v2`;
    const { code, stderr } = await plan({}, ["--api-url", url]);
    expect(code).toBe(1);
    const hint = `--api-url holds the path /api/v2: the base URL is the server's root (${emulator().url})`;
    expect(stderr).toContain(`404`);
    expect(stderr).toContain(hint);
    expect(stderr).toMatch(/"msg":"--api-url: .* holds the API path \/api\/v2/); // warned up front
  });

  it("names the environment variable", async () => {
    const { stderr } = await plan({ SIFT_REST_URI: `${emulator().url}/api/` });
    expect(stderr).toContain(
      `SIFT_REST_URI holds the path /api: the base URL is the server's root`,
    );
  });

  it("names the profile", async () => {
    const config = mkdtempSync(join(tmpdir(), "srs-toml-"));
    writeFileSync(
      join(config, "sift.toml"),
      `[staging]\nrest_uri = "${emulator().url}/api/v1"\napikey = "local"\n`,
    );
    const { stderr } = await plan({ XDG_CONFIG_HOME: config }, ["--profile", "staging"]);
    expect(stderr).toContain(
      `rest_uri of profile staging (sift.toml) holds the path /api/v1: the base URL is the server's root`,
    );
  });
});
