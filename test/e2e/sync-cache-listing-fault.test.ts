import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

/** In front of the emulator: the listing of runs changed since the mark answers 500. */
let front: ReturnType<typeof createServer>;
let frontUrl = "";
beforeAll(async () => {
  front = createServer((req, res) => {
    if (decodeURIComponent((req.url ?? "").replace(/\+/g, " ")).includes("modified_date >")) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 13, message: "internal error", details: [] }));
      return;
    }
    const target = new URL(req.url ?? "/", emulator().url);
    const forward = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((done) => front.listen(0, "127.0.0.1", done));
  frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => front.close(() => done())));

describe("the sync cache when Sift fails its listing of changes", () => {
  it("reads everything, with a warning, instead of failing the sync", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nlf-0,A\nlf-1,B\n" });
    // Both through the front: the cache is the one of its URL. The first night lists no changes.
    const faulty = { url: frontUrl } as Emulator;
    expect((await runCli(faulty, ["apply", "runs.csv"], dir)).code).toBe(0);
    const planned = await runCli(faulty, ["plan", "runs.csv", "--format", "json"], dir);
    expect(planned.code).toBe(0);
    expect(planned.stderr).toMatch(/full refresh: listing the runs changed in Sift failed .*500/);
    const full = await runCli(faulty, ["plan", "runs.csv", "--format", "json", "--no-cache"], dir);
    expect(planned.stdout).toBe(full.stdout);
  });
});
