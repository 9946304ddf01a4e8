import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readPlanFile } from "../../src/report/plan-file.js";
import { createSiftClient } from "../../src/sift/client.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();
const execFileAsync = promisify(execFile);

describe("apply --plan FILE", () => {
  it("relative --out and --results are taken from the command's directory, not the process's", async () => {
    const dir = manifestDir({ "runs.yaml": "- {clientKey: cwd-1, name: One}" });
    const planned = await runCli(emulator(), ["plan", "runs.yaml", "--out", "plan.json"], dir);
    expect(planned.code, planned.stderr).toBe(0);
    expect((await readPlanFile(join(dir, "plan.json"))).changes).toHaveLength(1);
    const applied = await runCli(
      emulator(),
      ["apply", "runs.yaml", "--results", "results.csv"],
      dir,
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect(readFileSync(join(dir, "results.csv"), "utf8")).toMatch(/^clientKey,.*\ncwd-1,/s);
    expect(existsSync("plan.json") || existsSync("results.csv")).toBe(false);
  });

  it("relative --plan and --retry-failed are read from the command's directory", async () => {
    const dir = manifestDir({ "runs.yaml": "- {clientKey: cwd-2, name: Two}" });
    const planned = await runCli(emulator(), ["plan", "runs.yaml", "--out", "saved.json"], dir);
    expect(planned.code, planned.stderr).toBe(0);
    const applied = await runCli(
      emulator(),
      ["apply", "--plan", "saved.json", "--results", "done.jsonl"],
      dir,
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 1 created/);
    const retried = await runCli(
      emulator(),
      ["plan", "runs.yaml", "--retry-failed", "done.jsonl"],
      dir,
    );
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/No changes/);
  });

  it("applied a second time, reports its creates and updates as already done", async () => {
    await runCli(emulator(), [
      "apply",
      manifestDir({ "a.yaml": "- {clientKey: tw-1, name: One}" }),
    ]);
    const dir = manifestDir({
      "b.yaml": [
        "- {clientKey: tw-1, name: One v2, tags: [x]}",
        '- {clientKey: tw-2, name: Two, isPinned: true, startTime: "2024-01-01T00:00:00.000+00:00", metadata: {altitude_m: 12}}',
        "- {clientKey: tw-3, name: Three, assets: [stand-a], startTime: 2024-01-01T00:00:00Z, stopTime: 2024-01-01T01:00:00Z}",
      ].join("\n"),
    });
    const planFile = join(manifestDir({}), "plan.json");
    expect((await runCli(emulator(), ["plan", dir, "--out", planFile])).code).toBe(0);
    const first = await runCli(emulator(), ["apply", "--plan", planFile]);
    expect(first.stdout).toMatch(
      /^Applied: 2 created, 1 updated, 0 unchanged, 0 failed, 0 skipped/,
    );
    const second = await runCli(emulator(), ["apply", "--plan", planFile]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /^Applied: 0 created, 0 updated, 3 unchanged, 0 failed, 0 skipped/,
    );
    expect(second.stderr).toBe("");
  });

  it("applies exactly the saved plan, skipping runs changed since it was made", async () => {
    await runCli(emulator(), [
      "apply",
      manifestDir({ "a.yaml": "- {clientKey: sp-1, name: One}\n- {clientKey: sp-2, name: Two}" }),
    ]);
    const dir = manifestDir({
      "b.yaml":
        "- {clientKey: sp-1, name: One v2}\n- {clientKey: sp-2, name: Two v2}\n- {clientKey: sp-3, name: Three}\n- {clientKey: sp-4, name: Four}",
    });
    const planFile = join(manifestDir({}), "plan.json");
    const planned = await runCli(emulator(), ["plan", dir, "--out", planFile]);
    expect(planned.code).toBe(0);

    // Someone edits sp-2 and creates sp-4 after the review.
    const client = createSiftClient({ baseUrl: emulator().url, apiKey: "local" });
    const sp2 = emulator()
      .runs()
      .find((r) => r.clientKey === "sp-2")!;
    await client.updateRun({
      run: { runId: sp2.runId, description: "edited by hand" },
      updateMask: "description",
    });
    await client.createRun({ name: "Four by hand", clientKey: "sp-4" });

    const results = join(manifestDir({}), "results.jsonl");
    const applied = await runCli(emulator(), ["apply", "--plan", planFile, "--results", results]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(
      /^Applied: 1 created, 1 updated, 0 unchanged, 0 failed, 2 skipped/,
    );
    const names = Object.fromEntries(
      emulator()
        .runs()
        .map((r) => [r.clientKey, r.name]),
    );
    expect(names).toMatchObject({
      "sp-1": "One v2",
      "sp-2": "Two",
      "sp-3": "Three",
      "sp-4": "Four by hand",
    });
  });

  it("refuses a plan made for another API URL", async () => {
    const dir = manifestDir({ "a.yaml": "- {clientKey: other-1, name: O}" });
    const planFile = join(manifestDir({}), "plan.json");
    await runCli(emulator(), ["plan", dir, "--out", planFile]);
    const { code, stderr } = await runCli(emulator(), [
      "apply",
      "--plan",
      planFile,
      "--api-url",
      "http://127.0.0.2:9",
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain("was made for");
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "other-1"),
    ).toBe(false);
  });
});

describe("the digest of a saved plan", () => {
  it("is printed by every report of plan --out and by apply --plan, and is the file's", async () => {
    const dir = manifestDir({ "a.yaml": "- {clientKey: dg-1, name: D}" });
    const digests: string[] = [];
    for (const format of ["json", "markdown", "table"]) {
      const file = join(manifestDir({}), "plan.json");
      const planned = await runCli(emulator(), ["plan", dir, "--out", file, "--format", format]);
      expect(planned.code, planned.stderr).toBe(0);
      const { digest } = await readPlanFile(file);
      digests.push(digest);
      if (format === "json") {
        expect(JSON.parse(planned.stdout).planFile).toEqual({ path: file, digest });
      } else if (format === "markdown") {
        expect(planned.stdout).toContain(`digest \`${digest}\``);
      } else {
        expect(planned.stdout).toContain(`apply --plan ${file} --expect-digest ${digest}`);
      }
      const applied = await runCli(emulator(), ["apply", "--plan", file, "--format", format]);
      expect(applied.code, applied.stderr).toBe(0);
      if (format === "json")
        expect(JSON.parse(applied.stdout).planFile).toEqual({ path: file, digest });
      else expect(applied.stdout).toContain(`Plan ${file}, digest ${digest}.`);
    }
    expect(new Set(digests).size).toBe(3); // each file has its own createdAt
  });

  it("is that of what is applied: the file is read once into a private copy (a pipe works)", async () => {
    const dir = manifestDir({ "a.yaml": "- {clientKey: dg-3, name: Piped}" });
    const work = manifestDir({});
    const file = join(work, "plan.json");
    expect((await runCli(emulator(), ["plan", dir, "--out", file])).code).toBe(0);
    const { digest } = await readPlanFile(file);
    const fifo = join(work, "plan.fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = execFileAsync("sh", ["-c", 'cat "$0" > "$1"', file, fifo]);
    const applied = await runCli(emulator(), ["apply", "--plan", fifo, "--expect-digest", digest]);
    await writer;
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`digest ${digest}`);
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "dg-3"),
    ).toBe(true);
  });

  it("--expect-digest must be a sha256 digest, and goes with --plan", async () => {
    const bad = await runCli(emulator(), ["apply", "--plan", "x.json", "--expect-digest", "abc"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--expect-digest: expected sha256: and 64 hex digits");
    const alone = await runCli(emulator(), [
      "apply",
      manifestDir({ "a.yaml": "- {clientKey: dg-2, name: D}" }),
      "--expect-digest",
      `sha256:${"a".repeat(64)}`,
    ]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain("--expect-digest goes with --plan FILE");
  });
});

describe("a saved plan", () => {
  const CANARY = "sift_canary_4f9a1c2e7b";
  const keyed = useEmulator({ apiKey: CANARY });

  it("never holds the API key", async () => {
    const dir = manifestDir({
      "a.yaml": "- {clientKey: key-1, name: K}\n- {clientKey: key-2, name: L}",
    });
    const planFile = join(manifestDir({}), "plan.json");
    const planned = await runCli(
      keyed(),
      ["plan", dir, "--out", planFile, "--log-level", "debug"],
      process.cwd(),
      CANARY,
    );
    expect(planned.code).toBe(0);
    const text = readFileSync(planFile, "utf8");
    expect(text).toContain(`"target":"${keyed().url}"`);
    expect(text).not.toContain(CANARY);
    expect(planned.stdout + planned.stderr).not.toContain(CANARY);
  });
});
