import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../helpers/io.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin/sift-run-sync.js");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "validate-cmd-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("sift-run-sync validate", () => {
  it("accepts the example manifests: summary on stdout, exit 0", async () => {
    const io = captureIo({}, ROOT);
    expect(await main(["validate", "manifests"], io)).toBe(0);
    expect(io.out()).toBe(
      [
        "manifests/backfill.csv: 10 runs",
        "manifests/nightly.yaml: 5 runs",
        "valid: 2 files, 15 runs, 0 errors",
        "",
      ].join("\n"),
    );
    expect(io.err()).toBe("");
  });

  it("lists every problem on stderr and exits 1", async () => {
    await writeFile(join(dir, "runs.csv"), "clientKey,startTime\ntv-1,2024-13-01\ntv-1,\n");
    await writeFile(join(dir, "more.yaml"), "- clientKey: tv-2\n  isPinned: yes\n");
    const io = captureIo({}, dir);
    expect(await main(["validate", "runs.csv", "more.yaml"], io)).toBe(1);
    expect(io.out()).toBe(
      "runs.csv: 2 runs\nmore.yaml: 1 run\ninvalid: 2 files, 3 runs, 3 errors\n",
    );
    expect(io.err()).toBe(
      [
        'runs.csv:2 startTime: "2024-13-01" is not an RFC 3339 timestamp (expected e.g. 2024-01-31T12:00:00Z)',
        'runs.csv:3 clientKey: "tv-1" is also defined at runs.csv:2',
        'more.yaml:2 isPinned: expected a boolean (true or false), got the string "yes"',
        "error: 3 problems in the manifests; nothing was written",
        "",
      ].join("\n"),
    );
  });

  it("lists the first 50 problems and counts the rest", async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `k-${i},maybe`);
    await writeFile(join(dir, "many.csv"), ["clientKey,isPinned", ...rows].join("\n"));
    const io = captureIo({}, dir);
    expect(await main(["validate", "many.csv"], io)).toBe(1);
    const lines = io.err().trimEnd().split("\n");
    expect(lines).toHaveLength(52);
    expect(lines[49]).toMatch(/^many\.csv:51 isPinned: "maybe" is not a boolean/);
    expect(lines.slice(50)).toEqual([
      "... and 70 more",
      "error: 120 problems in the manifests; nothing was written",
    ]);
  });

  it("says which path is missing, and needs at least one path", async () => {
    const missing = captureIo({}, dir);
    expect(await main(["validate", "nope.csv"], missing)).toBe(1);
    expect(missing.err()).toBe("error: nope.csv: no such file or directory\n");
    const none = captureIo({}, dir);
    expect(await main(["validate"], none)).toBe(1);
    expect(none.err()).toBe(
      "error: give manifest paths (files or directories) or --config FILE, or put a sift-run-sync.yaml in this directory\n",
    );
  });

  it("works through bin/ with the same exit codes", () => {
    const ok = spawnSync(process.execPath, [BIN, "validate", "fixtures/manifests/valid"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^valid: 8 files, 18 runs, 0 errors$/m);
    const bad = spawnSync(
      process.execPath,
      [BIN, "validate", "fixtures/manifests/broken/empty.csv"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      "fixtures/manifests/broken/empty.csv:1 is empty (expected a header row, e.g. clientKey,name,startTime,stopTime)",
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
