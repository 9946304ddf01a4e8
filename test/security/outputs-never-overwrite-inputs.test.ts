import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { manifestDir, runCli, useEmulator } from "../e2e/harness.js";

/**
 * Issue 18.1: `--results` and `plan --out` refuse (exit 1, nothing written, no temporary file
 * left) a path that is, or resolves to, a file the command reads. Before this, `apply d
 * --results d/runs.csv` left the manifest as a results header and `plan runs.csv --out
 * runs.csv` replaced it with JSON.
 */
const emulator = useEmulator();

const MANIFEST = "clientKey,name\nov-1,One\nov-2,Two\n";

beforeEach(() => emulator().resetStats());

/** Runs the command, then checks that it was refused, wrote nothing and named both files. */
async function expectRefused(args: string[], output: string, input: string, cwd?: string) {
  const { code, stderr, stdout } = await runCli(emulator(), args, cwd);
  expect(code, stdout + stderr).toBe(1);
  expect(stderr).toContain(`would overwrite ${input}`);
  expect(stderr).toContain(output);
  expect(emulator().stats().writes).toBe(0);
  return stderr;
}

function noTempFiles(dir: string) {
  expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
}

describe("an output never overwrites an input", () => {
  it("apply d --results d/runs.csv: refused, the manifest intact", async () => {
    const dir = manifestDir({ "runs.csv": MANIFEST });
    const results = join(dir, "runs.csv");
    await expectRefused(["apply", dir, "--results", results], results, `the manifest ${results}`);
    expect(readFileSync(results, "utf8")).toBe(MANIFEST);
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "ov-1"),
    ).toBe(false);
  });

  it("plan runs.csv --out runs.csv: refused, no JSON over the manifest, no temporary file", async () => {
    const dir = manifestDir({ "runs.json": '[{"clientKey": "ov-3", "name": "Three"}]' });
    const file = join(dir, "runs.json");
    await expectRefused(["plan", file, "--out", file], file, `the manifest ${file}`);
    expect(readFileSync(file, "utf8")).toBe('[{"clientKey": "ov-3", "name": "Three"}]');
    noTempFiles(dir);
  });

  it("sees through a symlink, a hard link and `..`", async () => {
    const dir = manifestDir({ "runs.csv": MANIFEST });
    const manifest = join(dir, "runs.csv");
    const out = manifestDir({});
    symlinkSync(manifest, join(out, "soft.csv"));
    linkSync(manifest, join(out, "hard.csv"));
    mkdirSync(join(dir, "sub"));
    for (const path of [join(out, "soft.csv"), join(out, "hard.csv"), `${dir}/sub/../runs.csv`]) {
      const stderr = await expectRefused(
        ["apply", dir, "--results", path],
        path,
        `the manifest ${manifest}`,
      );
      if (!path.includes("..")) expect(stderr).toContain("through a link or another path");
      expect(readFileSync(manifest, "utf8")).toBe(MANIFEST);
    }
    await expectRefused(
      ["plan", dir, "--out", join(out, "hard.csv")],
      join(out, "hard.csv"),
      `the manifest ${manifest}`,
    );
    expect(readFileSync(manifest, "utf8")).toBe(MANIFEST);
    noTempFiles(out);
  });

  it("protects the sync config and its sources", async () => {
    const dir = manifestDir({
      "sift-run-sync.yaml": "version: 1\nsources:\n  - path: exports/\n",
    });
    mkdirSync(join(dir, "exports"));
    writeFileSync(join(dir, "exports", "runs.csv"), MANIFEST);
    const config = readFileSync(join(dir, "sift-run-sync.yaml"), "utf8");
    await expectRefused(
      ["apply", "--results", "exports/runs.csv"],
      "exports/runs.csv",
      "exports/runs.csv, a source of",
      dir,
    );
    await expectRefused(
      ["plan", "--out", "sift-run-sync.yaml"],
      "sift-run-sync.yaml",
      "the sync config",
      dir,
    );
    expect(readFileSync(join(dir, "exports", "runs.csv"), "utf8")).toBe(MANIFEST);
    expect(readFileSync(join(dir, "sift-run-sync.yaml"), "utf8")).toBe(config);
    noTempFiles(dir);
  });

  it("protects the saved plan being applied and the results file being retried", async () => {
    const dir = manifestDir({ "runs.csv": MANIFEST });
    const plan = join(dir, "plan.jsonl");
    expect((await runCli(emulator(), ["plan", join(dir, "runs.csv"), "--out", plan])).code).toBe(0);
    const saved = readFileSync(plan, "utf8");
    await expectRefused(["apply", "--plan", plan, "--results", plan], plan, "the saved plan");
    expect(readFileSync(plan, "utf8")).toBe(saved);
    const manifest = join(dir, "runs.csv");
    await expectRefused(["apply", "--plan", plan, "--results", manifest], manifest, "the manifest");
    expect(readFileSync(manifest, "utf8")).toBe(MANIFEST);

    const earlier = join(dir, "earlier.csv");
    writeFileSync(earlier, "clientKey,action,status\r\nov-1,create,failed\r\n");
    await expectRefused(
      ["apply", join(dir, "runs.csv"), "--retry-failed", earlier, "--results", earlier],
      earlier,
      "the results file",
    );
  });

  it("still writes a new file, and replaces an earlier results file in the manifest directory", async () => {
    const dir = manifestDir({ "runs.csv": MANIFEST });
    writeFileSync(join(dir, "results.csv"), "clientKey,action,status\r\nold,create,ok\r\n");
    const replaced = await runCli(emulator(), [
      "apply",
      dir,
      "--results",
      join(dir, "results.csv"),
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(readFileSync(join(dir, "results.csv"), "utf8")).toContain("ov-1,create,ok");
    const fresh = join(dir, "new-results.csv");
    expect((await runCli(emulator(), ["apply", dir, "--results", fresh])).code).toBe(0);
    expect(readFileSync(fresh, "utf8")).toContain("ov-1,unchanged,ok");
  });
});
