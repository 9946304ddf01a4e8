import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { manifestDir } from "../e2e/harness.js";
import { captureIo } from "../helpers/io.js";
import { sendJson, startTestServer, type TestServer } from "../sift/test-server.js";

/**
 * Issue 22: the sync cache's first request (the organization's oldest run) fails as a lookup
 * does. An API answering 503 for good costs one retry budget, not one for the cache and one
 * more for the lookups, and every row is reported.
 */

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const MANIFEST = "clientKey,name\nk1,A\nk2,B\nk3,C\n";

async function run(command: "plan" | "apply", ...args: string[]) {
  server = await startTestServer((_req, res) => sendJson(res, 503, { code: 14, message: "down" }));
  const dir = manifestDir({ "runs.csv": MANIFEST });
  const io = captureIo({ SIFT_API_KEY: "k" }, dir);
  const code = await main(
    [command, "runs.csv", "--api-url", server.url, "--retries", "2", ...args],
    io,
  );
  return { code, dir, stdout: io.out(), stderr: io.err(), requests: server.received.length };
}

describe("the sync cache against an API that answers 503 for good", () => {
  it("apply spends one retry budget and reports every row as skipped", async () => {
    const results = join(manifestDir({}), "results.jsonl");
    const outcome = await run("apply", "--results", results, "--no-progress");
    expect(outcome.code).toBe(1);
    expect(outcome.requests).toBe(3); // --retries 2: three attempts in all
    expect(outcome.stdout).toMatch(/0 created, 0 updated, 0 unchanged, 0 failed, 3 skipped/);
    const lines = readFileSync(results, "utf8").trim().split("\n");
    const rows = lines.map((l) => JSON.parse(l) as { clientKey?: string; status?: string });
    const reported = rows.filter((r) => r.clientKey !== undefined);
    expect(reported.map((r) => [r.clientKey, r.status])).toEqual([
      ["k1", "skipped"],
      ["k2", "skipped"],
      ["k3", "skipped"],
    ]);
    expect(outcome.stderr).toContain("503: down (after 3 attempts)");
    expect(outcome.stderr).not.toContain("sync cache is not used");
  });

  it("plan spends one retry budget and fails with the request's message", async () => {
    const outcome = await run("plan", "--format", "json");
    expect(outcome.code).toBe(1);
    expect(outcome.requests).toBe(3);
    expect(outcome.stderr).toContain("503: down (after 3 attempts)");
    expect(JSON.parse(outcome.stdout)).toBeTypeOf("object");
  });
});
