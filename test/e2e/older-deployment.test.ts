import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { createSiftClient } from "../../src/sift/client.js";
import { exportTo } from "../export/export-helpers.js";
import { sendJson, startTestServer } from "../sift/test-server.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * A Sift deployment from before `runs:validateFilter` (2026-05) answers 404 for it (the
 * emulator's --no-validate-filter). That is no error: `--scope` and `export --filter` check the
 * filter with a ListRuns of pageSize 1 instead, and a bad filter is refused the same way.
 */
const emulator = useEmulator({
  validateFilter: false,
  seed: {
    metadataKeys: { source: "string" },
    runs: [
      { clientKey: "old-1", name: "Old 1", metadata: { source: "old" } },
      { clientKey: "old-2", name: "Old 2", metadata: { source: "old" } },
      { clientKey: "other-1", name: "Other", metadata: { source: "elsewhere" } },
    ],
  },
});

const SCOPE = ["--archive-missing", "--scope", `metadata["source"] == 'old'`, "--max-archive", "1"];

describe("--scope against a Sift without runs:validateFilter", () => {
  it("the endpoint answers 404 there", async () => {
    const answer = await fetch(`${emulator().url}/api/v2/runs:validateFilter`, {
      method: "POST",
      headers: { authorization: "Bearer local", "content-type": "application/json" },
      body: JSON.stringify({ filter: "name == 'x'" }),
    });
    expect(answer.status).toBe(404);
  });

  it("a valid scope is checked by listing, then archives as usual", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nold-1,Old 1\n" });
    emulator().resetStats();
    const plan = await runCli(emulator(), ["plan", dir, ...SCOPE]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("- archive old-2");
    expect(plan.stdout).toContain("Plan: 0 to create, 0 to update, 1 to archive, 1 unchanged");
    expect(plan.stderr).not.toMatch(/error|404/);
    expect(emulator().stats().requests.ValidateRunFilter).toBe(1);
    // runs:filterFields is being withdrawn from Sift's public API: never asked.
    expect(emulator().stats().requests.GetRunFilterFields).toBe(0);
  });

  it("a bad scope is the same usage error as with validateFilter, before anything is written", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nold-1,Old 1\n" });
    emulator().resetStats();
    const bad = await runCli(emulator(), [
      "apply",
      dir,
      "--archive-missing",
      "--scope",
      "nam == 'x'",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --scope "nam == 'x'": invalid filter: .*nam/m);
    expect(bad.stderr).not.toContain("404");
    expect(emulator().stats().writes).toBe(0);
    // The one check: a ListRuns of pageSize 1, answered 400.
    expect(emulator().stats().requests.ListRuns).toBe(1);
  });
});

describe("export --filter against a Sift without runs:validateFilter", () => {
  it("exports the matching runs", async () => {
    emulator().resetStats();
    const exported = await exportTo(emulator(), "csv", ["--filter", "name.startsWith('Old')"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.text.split("\n").filter((l) => l.startsWith("old-"))).toHaveLength(2);
    expect(exported.text).not.toContain("other-1");
    expect(emulator().stats().requests.GetRunFilterFields).toBe(0);
  });

  it("refuses a bad filter with the usual message, and writes no file", async () => {
    const exported = await exportTo(emulator(), "csv", ["--filter", "name = 'x'"]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toMatch(/^error: --filter "name = 'x'" is not a valid run filter: .+/m);
    expect(exported.stderr).not.toContain("404");
    expect(readdirSync(dirname(exported.file))).toEqual([]);
  });
});

describe("the client's validateRunFilter", () => {
  it.each([405, 501])("falls back to a ListRuns of pageSize 1 on a %i", async (status) => {
    const server = await startTestServer((req, res) => {
      if (req.url.startsWith("/api/v2/runs:validateFilter")) {
        sendJson(res, status, { code: 12, message: "not implemented" });
      } else if (decodeURIComponent(req.url).includes("bad")) {
        sendJson(res, 400, { code: 3, message: "invalid filter: undeclared reference to 'bad'" });
      } else sendJson(res, 200, { runs: [], nextPageToken: "" });
    });
    try {
      const client = createSiftClient({ baseUrl: server.url, apiKey: "k" });
      expect(await client.validateRunFilter("name == 'x'")).toBe("");
      expect(await client.validateRunFilter("bad == 1")).toBe(
        "invalid filter: undeclared reference to 'bad'",
      );
      const lists = server.received.filter((r) => r.url.startsWith("/api/v2/runs?"));
      expect(lists.map((r) => new URL(r.url, server.url).searchParams.get("pageSize"))).toEqual([
        "1",
        "1",
      ]);
    } finally {
      await server.close();
    }
  });

  it("still fails on other errors (a 403 is not an older deployment)", async () => {
    const server = await startTestServer((_req, res) =>
      sendJson(res, 403, { code: 7, message: "permission denied" }),
    );
    try {
      const client = createSiftClient({ baseUrl: server.url, apiKey: "k" });
      await expect(client.validateRunFilter("name == 'x'")).rejects.toThrow(
        /403: permission denied/,
      );
      expect(server.received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
