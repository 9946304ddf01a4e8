import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { manifestDir, SEED, useEmulator } from "../e2e/harness.js";
import { captureIo } from "../helpers/io.js";
import {
  type ConnectProxy,
  HAS_OPENSSL,
  type Listening,
  makeTestCa,
  startConnectProxy,
  startTlsFront,
  type TestCa,
} from "../helpers/network.js";
import { runCliProcess } from "../reliability/support/processes.js";

/**
 * Issue 21 from the command line: plan through a CONNECT proxy whose password never shows,
 * a private CA by --ca-file, SIFT_CA_FILE or NODE_EXTRA_CA_CERTS, and a refusing proxy's
 * one sentence.
 */

const emulator = useEmulator({ seed: SEED });
let ca: TestCa;
let front: Listening;
const proxies: ConnectProxy[] = [];
const dir = () => manifestDir({ "runs.csv": "clientKey,name\nk1,A\n" });

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

async function plan(args: string[], env: Record<string, string>) {
  const io = captureIo({ SIFT_API_KEY: "local", ...env });
  const code = await main(["plan", dir(), "--format", "json", ...args], io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe.skipIf(!HAS_OPENSSL)("plan through a proxy, with a private CA", () => {
  it("goes through the tunnel with --ca-file; the proxy's password is in no log line", async () => {
    const p = await proxy({ credentials: "ci:Pa55-w0rd" });
    const result = await plan(
      [
        "--api-url",
        `https://api.sift.test:${front.port}`,
        "--ca-file",
        ca.caFile,
        "--log-level",
        "trace",
      ],
      { HTTPS_PROXY: `http://ci:Pa55-w0rd@127.0.0.1:${p.port}` },
    );
    expect(result.stderr).not.toContain("Pa55-w0rd");
    expect(result.stdout).not.toContain("Pa55-w0rd");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).summary.create).toBe(1);
    expect(p.connects.length).toBeGreaterThan(0);
    expect(result.stderr).toContain(`proxy http://127.0.0.1:${p.port} (from HTTPS_PROXY)`);
  });

  it("takes the CA file from SIFT_CA_FILE", async () => {
    const result = await plan(["--api-url", `https://localhost:${front.port}`], {
      SIFT_CA_FILE: ca.caFile,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("a proxy that refuses: one sentence naming it and its variable, exit 1", async () => {
    const p = await proxy({ credentials: "ci:right" });
    const result = await plan(
      ["--api-url", `https://api.sift.test:${front.port}`, "--ca-file", ca.caFile, "--no-cache"],
      { https_proxy: `http://ci:wrong-one@127.0.0.1:${p.port}` },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the proxy http://127.0.0.1:${p.port} (from https_proxy) asks for authentication (407 Proxy Authentication Required)`,
    );
    expect(result.stderr).not.toContain("wrong-one");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(p.connects).toHaveLength(1);
  });

  it("a proxy variable that is no proxy URL is a usage error naming it", async () => {
    const result = await plan(["--api-url", `https://api.sift.test:${front.port}`], {
      HTTPS_PROXY: "socks5://u:hidden@127.0.0.1:1080",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HTTPS_PROXY: socks5://127.0.0.1:1080 is a socks5 proxy");
    expect(result.stderr).not.toContain("hidden");
  });

  it("a --ca-file that does not exist is a usage error", async () => {
    const result = await plan(
      ["--api-url", `https://localhost:${front.port}`, "--ca-file", "no-such.pem"],
      {},
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--ca-file .*no-such\.pem: cannot read it \(no such file\)/);
  });

  it("trusts NODE_EXTRA_CA_CERTS (read by node at start-up: its own process)", async () => {
    const args = [
      "plan",
      dir(),
      "--format",
      "json",
      "--api-url",
      `https://localhost:${front.port}`,
    ];
    const env = { SIFT_API_KEY: "local", NODE_EXTRA_CA_CERTS: ca.caFile };
    const result = await runCliProcess(args, env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).summary.create).toBe(1);
  });
});
