import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createSiftClient, type SiftClientOptions } from "../../src/sift/client.js";
import { useEmulator } from "../helpers/emulator.js";
import {
  closedPort,
  type ConnectProxy,
  HAS_OPENSSL,
  type Listening,
  makeTestCa,
  startConnectProxy,
  startSilentListener,
  startTlsFront,
  type TestCa,
} from "../helpers/network.js";
import { FAST_RETRY } from "./test-server.js";

/**
 * Issue 21: HTTPS to the API through an HTTP proxy's CONNECT tunnel, with credentials sent as
 * Proxy-Authorization and never shown, a private CA trusted on top of node's, and a proxy
 * that refuses named with its variable. The API is a TLS front (certificate for
 * api.sift.test, signed by a CA made here) before the emulator; the proxy tunnels any host
 * name to 127.0.0.1.
 */

const emulator = useEmulator();
const API_KEY = "local";
let ca: TestCa;
let front: Listening;
const proxies: ConnectProxy[] = [];

beforeAll(async () => {
  ca = makeTestCa(["api.sift.test", "localhost"]);
  front = await startTlsFront(emulator().url, ca);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await front?.close();
});

async function proxy(options: Parameters<typeof startConnectProxy>[0] = {}) {
  const p = await startConnectProxy(options);
  proxies.push(p);
  return p;
}

function apiUrl(): string {
  return `https://api.sift.test:${front.port}`;
}

function client(env: Record<string, string>, extra: Partial<SiftClientOptions> = {}) {
  return createSiftClient({
    baseUrl: apiUrl(),
    apiKey: API_KEY,
    env,
    ca: [ca.caPem],
    retry: FAST_RETRY,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe.skipIf(!HAS_OPENSSL)("through an HTTP proxy (CONNECT)", () => {
  it("tunnels HTTPS, sends the credentials as Proxy-Authorization, reuses the tunnel", async () => {
    const p = await proxy({ credentials: "alice:s3cr3t!" });
    const c = client({ HTTPS_PROXY: `http://alice:s3cr3t%21@127.0.0.1:${p.port}` });
    for (let i = 0; i < 3; i++) {
      const { runs } = await c.listRuns({ pageSize: 1 });
      expect(runs).toEqual([]);
    }
    expect(p.connects).toEqual([`api.sift.test:${front.port}`]);
    expect(p.authorizations).toEqual([`Basic ${Buffer.from("alice:s3cr3t!").toString("base64")}`]);
  });

  it("uses HTTP_PROXY for https when HTTPS_PROXY is not set, lower case first", async () => {
    const used = await proxy();
    const other = await proxy();
    await client({ HTTP_PROXY: other.url, http_proxy: used.url }).listRuns({ pageSize: 1 });
    expect(used.connects).toHaveLength(1);
    expect(other.connects).toHaveLength(0);
  });

  it("never sends loopback through the proxy", async () => {
    const p = await proxy();
    const c = client({ HTTPS_PROXY: p.url }, { baseUrl: `https://localhost:${front.port}` });
    await c.listRuns({ pageSize: 1 });
    expect(p.connects).toEqual([]);
  });

  it("a 407 fails at once, naming the proxy and its variable, never the password", async () => {
    const p = await proxy({ credentials: "alice:right" });
    const c = client({ https_proxy: `http://alice:wrong-pass@127.0.0.1:${p.port}` });
    const error = await failure(c.listRuns());
    expect(p.connects).toHaveLength(1);
    expect(error.reason).toBe("proxy");
    expect(error.apiMessage).toBe(
      `the proxy http://127.0.0.1:${p.port} (from https_proxy) asks for authentication (407 Proxy Authentication Required) to open api.sift.test:${front.port}; check the user name and password in https_proxy`,
    );
    expect(JSON.stringify(error) + String(error.stack) + error.message).not.toContain("wrong-pass");
  });

  it("a 407 without credentials says how to give them", async () => {
    const p = await proxy({ credentials: "alice:right" });
    const error = await failure(client({ HTTPS_PROXY: p.url }).listRuns());
    expect(error.apiMessage).toMatch(
      /\(from HTTPS_PROXY\) asks for authentication .*HTTPS_PROXY holds no user name and password/,
    );
  });

  it("a 502 is retried, then ends in one sentence naming the proxy", async () => {
    const p = await proxy({ refuse: 502 });
    const error = await failure(client({ HTTPS_PROXY: p.url }).listRuns());
    expect(p.connects).toHaveLength(FAST_RETRY.maxAttempts);
    expect(error.apiMessage).toBe(
      `the proxy ${p.url} (from HTTPS_PROXY) could not reach api.sift.test:${front.port} (502 Bad Gateway) (after ${FAST_RETRY.maxAttempts} attempts)`,
    );
  });

  it("a proxy that cannot be reached is named, with its variable, without its password", async () => {
    const port = await closedPort();
    const lines: string[] = [];
    const logger = createLogger({
      level: "debug",
      format: "json",
      stream: { write: (line: string) => lines.push(line) },
      secrets: [],
    });
    const c = client({ HTTPS_PROXY: `http://bob:hunter2@127.0.0.1:${port}` }, { logger });
    const error = await failure(c.listRuns());
    expect(error.apiMessage).toMatch(
      new RegExp(
        `^cannot reach the proxy http://127\\.0\\.0\\.1:${port} \\(from HTTPS_PROXY\\): connect ECONNREFUSED .* \\(after ${FAST_RETRY.maxAttempts} attempts\\)$`,
      ),
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n") + error.message).not.toContain("hunter2");
  });
});

describe("plain http and NO_PROXY over real sockets", () => {
  it("sends plain http to the proxy in absolute form, with Proxy-Authorization", async () => {
    const p = await proxy();
    const port = new URL(emulator().url).port;
    const c = createSiftClient({
      baseUrl: `http://api.corp.test:${port}`,
      apiKey: API_KEY,
      env: { HTTP_PROXY: `http://svc:pw@127.0.0.1:${p.port}` },
      retry: FAST_RETRY,
    });
    expect((await c.listRuns({ pageSize: 1 })).runs).toEqual([]);
    expect(p.forwarded).toEqual([
      {
        url: `http://api.corp.test:${port}/api/v2/runs?pageSize=1`,
        authorization: `Basic ${Buffer.from("svc:pw").toString("base64")}`,
      },
    ]);
  });

  it("goes direct for a host NO_PROXY names: the proxy sees nothing", async () => {
    const p = await proxy();
    const c = createSiftClient({
      baseUrl: "https://api.corp.invalid",
      apiKey: API_KEY,
      env: { HTTPS_PROXY: p.url, NO_PROXY: ".corp.invalid" },
      retry: FAST_RETRY,
    });
    const error = await failure(c.listRuns());
    // Direct: the client itself looked the name up (through the proxy, the proxy would have).
    expect(error.apiMessage).toMatch(/^cannot (resolve the host name|reach) api\.corp\.invalid/);
    expect(error.apiMessage).not.toContain("proxy");
    expect(p.connects).toEqual([]);
  });
});

describe.skipIf(!HAS_OPENSSL)("silence through a proxy", () => {
  it("a proxy that accepts the connection and never answers CONNECT: given up after two", async () => {
    const hole = await startSilentListener();
    try {
      const c = client(
        { HTTPS_PROXY: `http://u:pw-never-shown@127.0.0.1:${hole.port}` },
        { timeoutMs: 100, retry: { ...FAST_RETRY, maxAttempts: 8 } },
      );
      const error = await failure(c.listRuns());
      expect(hole.accepted()).toBe(2);
      expect(error.reason).toBe("silent");
      expect(error.apiMessage).toBe(
        `the proxy http://127.0.0.1:${hole.port} (from HTTPS_PROXY) accepted the connection but answered nothing to CONNECT in 0.1 s, twice`,
      );
    } finally {
      await hole.close();
    }
  });

  it("an API that never answers inside the tunnel: the API's sentence", async () => {
    const hole = await startSilentListener();
    const p = await proxy();
    try {
      const c = client(
        { HTTPS_PROXY: p.url },
        {
          baseUrl: `https://api.sift.test:${hole.port}`,
          timeoutMs: 100,
          retry: { ...FAST_RETRY, maxAttempts: 8 },
        },
      );
      const error = await failure(c.listRuns());
      expect(p.connects).toHaveLength(2);
      expect(error.apiMessage).toBe(
        "the API accepted the connection but sent nothing in 0.1 s, twice; is --api-url a Sift API?",
      );
    } finally {
      await hole.close();
    }
  });
});

describe.skipIf(!HAS_OPENSSL)("a private CA", () => {
  it("is refused without it, with a hint naming --ca-file", async () => {
    const c = createSiftClient({
      baseUrl: `https://localhost:${front.port}`,
      apiKey: API_KEY,
      env: {},
      retry: FAST_RETRY,
    });
    const error = await failure(c.listRuns());
    expect(c.stats().requests).toBe(1);
    expect(error.apiMessage).toMatch(
      /TLS certificate of localhost:\d+ is not accepted: .*--ca-file/,
    );
  });

  it("is trusted on top of NODE_EXTRA_CA_CERTS, not instead of it", async () => {
    const other = makeTestCa(["elsewhere.test"], "Other CA");
    // The file CA (`ca`) is the other one; the server's CA comes from NODE_EXTRA_CA_CERTS.
    const c = createSiftClient({
      baseUrl: `https://localhost:${front.port}`,
      apiKey: API_KEY,
      env: { NODE_EXTRA_CA_CERTS: ca.caFile },
      ca: [other.caPem],
    });
    expect((await c.listRuns({ pageSize: 1 })).runs).toEqual([]);
  });

  it("caFile reads a PEM file; a file without a certificate is a usage error", async () => {
    const c = createSiftClient({
      baseUrl: `https://localhost:${front.port}`,
      apiKey: API_KEY,
      env: {},
      caFile: ca.caFile,
    });
    expect((await c.listRuns({ pageSize: 1 })).runs).toEqual([]);
    expect(() =>
      createSiftClient({ baseUrl: apiUrl(), apiKey: API_KEY, caFile: `${ca.dir}/ext.cnf` }),
    ).toThrow(/--ca-file .*ext\.cnf: holds no PEM certificate/);
  });
});
