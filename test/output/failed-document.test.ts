import { createServer, request, type Server } from "node:http";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import MarkdownIt from "markdown-it";
import { main } from "../../src/cli/main.js";
import { manifestDir, SEED, useEmulator } from "../e2e/harness.js";
import { captureIo } from "../helpers/io.js";
import { filesIn, runsDir } from "./support.js";

/**
 * Bug 3 of issue 11: a failed plan printed `{"version":1,...,"changes":[` and stopped (or a
 * bare Markdown heading). stdout always holds one complete document: JSON with an `error`
 * member and the changes decided, Markdown with an error section.
 */
describe("a plan that fails still prints one complete document", () => {
  const emulator = useEmulator({ seed: SEED });
  const invalid = () =>
    manifestDir({ "runs.csv": "clientKey,name,startTime\nk1,A,2024-13-01\nk2,B,\n" });

  async function run(args: string[], url = emulator().url) {
    const io = captureIo({ SIFT_REST_URI: url, SIFT_API_KEY: "local" });
    const code = await main(args, io);
    return { code, stdout: io.out(), stderr: io.err() };
  }

  it("JSON, invalid manifest: an error member with the located problems", async () => {
    const dir = invalid();
    const { code, stdout, stderr } = await run(["plan", dir, "--format", "json"]);
    expect(code).toBe(1);
    const doc = JSON.parse(stdout);
    expect(doc.version).toBe(2);
    expect(doc.changes).toEqual([]);
    expect(doc.error.code).toBe("MANIFEST");
    expect(doc.error.message).toBe("1 problem in the manifests; nothing was written");
    expect(doc.error.problems).toEqual([
      expect.stringMatching(/runs\.csv:2 startTime: "2024-13-01" is not an RFC 3339 timestamp/),
    ]);
    expect(doc.summary).toMatchObject({ create: 0, update: 0, unchanged: 0, invalid: 0 });
    expect(stderr).toMatch(/error: 1 problem in the manifests/);
  });

  it("Markdown, invalid manifest: a heading, an error section with the problems", async () => {
    const { code, stdout } = await run(["plan", invalid(), "--format", "markdown"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^## sift-run-sync plan\n\n### ❌ The plan failed\n\n/);
    expect(stdout).toContain("1 problem in the manifests; nothing was written");
    const html = new MarkdownIt().render(stdout);
    expect(html).toMatch(/<li>.*runs\.csv:2 startTime: .*2024-13-01.*<\/li>/);
    expect(stdout.trimEnd().endsWith("No run was planned.")).toBe(true);
  });

  it("JSON, no API configured: still a document with the error", async () => {
    const io = captureIo({});
    const code = await main(["plan", invalid(), "--format", "json"], io);
    expect(code).toBe(1);
    const doc = JSON.parse(io.out());
    expect(doc.error).toMatchObject({ code: "USAGE", message: /no Sift API to talk to/ });
  });

  describe("the API fails part way", () => {
    // Passes the first ListRuns through to the emulator, then answers 500 to every other one:
    // the first lookup batch is planned, the second fails for good (500 is not retried).
    let proxy: Server;
    let url = "";
    beforeAll(async () => {
      let listRuns = 0;
      proxy = createServer((req, res) => {
        if (req.url!.startsWith("/api/v2/runs") && ++listRuns > 1) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: 13, message: "database on fire", details: [] }));
          return;
        }
        const target = new URL(emulator().url);
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(res);
          },
        );
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

    it("JSON: the changes decided before the error, the error, their counts", async () => {
      const dir = runsDir(1200);
      const out = join(dir, "plan.json");
      // --no-cache: the first ListRuns the proxy lets through must be a lookup.
      const args = [
        "plan",
        dir,
        "--format",
        "json",
        "--concurrency",
        "1",
        "--out",
        out,
        "--no-cache",
      ];
      const { code, stdout } = await run(args, url);
      expect(code).toBe(1);
      const doc = JSON.parse(stdout);
      expect(doc.error.code).toBe("API");
      expect(doc.error.message).toMatch(/\[GET \/api\/v2\/runs\] 500: database on fire/);
      expect(doc.changes.length).toBeGreaterThan(0);
      expect(doc.changes.length).toBeLessThan(1200);
      expect(doc.summary.create).toBe(doc.changes.length);
      expect(doc.changes[0]).toMatchObject({ clientKey: "key-00001", action: "create" });
      // Bug 5: a failed plan leaves neither a plan file nor its temporary file.
      expect(existsSync(out)).toBe(false);
      expect(filesIn(dir, /\.tmp$/)).toEqual([]);
    });
  });

  it("apply --format json: a JSON summary with the error", async () => {
    const { code, stdout } = await run(["apply", invalid(), "--format", "json"]);
    expect(code).toBe(1);
    const doc = JSON.parse(stdout);
    // Every manifest run counted (issue 20.5): the invalid one failed, the valid one held back.
    expect(doc).toMatchObject({
      created: 0,
      updated: 0,
      failed: 1,
      skipped: 1,
      error: { code: "MANIFEST" },
    });
    expect(doc.error.problems).toHaveLength(1);
  });
});
