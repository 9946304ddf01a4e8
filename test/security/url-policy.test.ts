import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { cli, workspace } from "./support.js";

/**
 * Where the key may be sent: plain http only to this machine (anyone on the path can read a
 * key sent in clear to another host), and a saved plan only to the API it was made for.
 */
const KEY = "sift_url_policy_key_123456";
const { dir, manifests } = workspace({ "runs.csv": "clientKey,name\nu-1,Run 1\n" });

/** A server on every interface, counting requests: proof that a refused URL sent nothing. */
let listener: Server;
let requests = 0;
beforeAll(async () => {
  listener = createServer((_, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, "0.0.0.0", resolve));
});
afterAll(() => listener.close());

/** This machine's own non-loopback addresses: "another host" that the test can watch. */
function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && i.family === "IPv4")
    .map((i) => i!.address);
}

describe("plain http:// is refused for any host but this machine", () => {
  const port = () => (listener.address() as AddressInfo).port;
  const refused = () => [
    ...externalAddresses().map((ip) => `http://${ip}:${port()}`),
    "http://api.siftstack.com",
    "http://10.0.0.1:8080",
    "http://0.0.0.0:8080",
    `http://127.0.0.1.nip.io:${port()}`,
    `http://localhost.example.com:${port()}`,
    "HTTP://API.EXAMPLE.COM",
  ];

  it("from --api-url, SIFT_REST_URI and a sift.toml profile, before any request", async () => {
    const before = requests;
    for (const url of refused()) {
      const viaFlag = await cli(["plan", manifests, "--api-url", url], { SIFT_API_KEY: KEY });
      const viaEnv = await cli(["plan", manifests], { SIFT_REST_URI: url, SIFT_API_KEY: KEY });
      writeFileSync(join(dir, "sift.toml"), `[p]\nrest_uri = "${url}"\napikey = "${KEY}"\n`);
      const viaProfile = await cli(["plan", manifests, "--profile", "p"], { XDG_CONFIG_HOME: dir });
      for (const run of [viaFlag, viaEnv, viaProfile]) {
        expect(run.code, url).toBe(1);
        expect(run.stderr).toMatch(
          /plain http:\/\/ is only accepted for this machine \(localhost, 127\.0\.0\.1, ::1\); use https:\/\//,
        );
        expect(run.stderr).not.toContain(KEY);
      }
    }
    expect(requests).toBe(before);
  });

  it("while http:// to loopback works (the local emulator)", async () => {
    const emulator: Emulator = await startEmulator({ port: 0 });
    try {
      for (const url of [emulator.url, `http://localhost:${emulator.port}/`]) {
        const run = await cli(["plan", manifests], { SIFT_REST_URI: url, SIFT_API_KEY: "local" });
        expect(run.code, run.stderr).toBe(0);
      }
    } finally {
      await emulator.close();
    }
  });
});

describe("a saved plan is applied only to the API it was made for", () => {
  it("refuses a plan made against another API URL, writing nothing", async () => {
    const first = await startEmulator({ port: 0 });
    const second = await startEmulator({ port: 0 });
    try {
      const planFile = join(dir, "plan.json");
      const env = (e: Emulator) => ({ SIFT_REST_URI: e.url, SIFT_API_KEY: "local" });
      const planned = await cli(["plan", manifests, "--out", planFile], env(first));
      expect(planned.code, planned.stderr).toBe(0);

      const elsewhere = await cli(["apply", "--plan", planFile], env(second));
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toContain(
        `error: ${planFile} was made for ${first.url}, not ${second.url}; make a new plan against this API`,
      );
      expect(second.stats().writes).toBe(0);
      expect(second.runs()).toEqual([]);

      // The same API, spelled with a trailing slash, is the same target.
      const here = await cli(["apply", "--plan", planFile], {
        SIFT_REST_URI: `${first.url}/`,
        SIFT_API_KEY: "local",
      });
      expect(here.code, here.stderr).toBe(0);
      expect(first.runs().map((r) => r.clientKey)).toEqual(["u-1"]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
