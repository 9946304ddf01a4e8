import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { recogniseOwnFile } from "../../src/manifest/own-files.js";
import { captureIo } from "../helpers/io.js";
import { BIN } from "../output/support.js";
import { projectDir } from "../sources/support.js";
import { manifestDir, runCli, SEED, useEmulator } from "./harness.js";

/**
 * Issue 11: `apply exports/ --results exports/results-$(date +%F).csv` must not break the next
 * night. The tool's own files in a manifest directory (results files, saved plans) are
 * recognised by their content and skipped with a one-line note.
 */
describe("the tool's own files in a manifest directory", () => {
  const emulator = useEmulator({ seed: SEED });
  const manifest = "clientKey,name,tags\nown-1,Run 1,a\nown-2,Run 2,b\n";

  it("apply twice into the same directory: the second night reads only the manifest", async () => {
    const dir = manifestDir({ "runs.csv": manifest });
    const night1 = await runCli(emulator(), [
      "apply",
      dir,
      "--results",
      join(dir, "results-2024-05-01.csv"),
    ]);
    expect(night1.code).toBe(0);
    expect(night1.stdout).toMatch(/^Applied: 2 created/);
    // The next night: yesterday's results file is just another CSV in the directory.
    const night2 = await runCli(emulator(), [
      "apply",
      dir,
      "--results",
      join(dir, "results-2024-05-02.jsonl"),
    ]);
    expect(night2.stderr).not.toMatch(/unknown column/);
    expect(night2.code).toBe(0);
    expect(night2.stdout).toMatch(/^Applied: 0 created, 0 updated, 2 unchanged/);
    const notes = night2.stderr.split("\n").filter((l) => l.includes("skipped, a results file"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(
      `${join(dir, "results-2024-05-01.csv")}: skipped, a results file (apply --results) of sift-run-sync, not a manifest`,
    );
  });

  it("a saved plan and a plan printed with --format json are skipped too, also by validate", async () => {
    const dir = manifestDir({ "runs.csv": manifest });
    const saved = await runCli(emulator(), ["plan", dir, "--out", join(dir, "plan.json")]);
    expect(saved.code).toBe(0);
    const printed = await runCli(emulator(), ["plan", dir, "--format", "json"]);
    writeFileSync(join(dir, "reviewed.json"), JSON.stringify(JSON.parse(printed.stdout), null, 2));
    const again = await runCli(emulator(), ["plan", dir, "--format", "json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).changes).toHaveLength(2);
    expect(again.stderr).toContain("plan.json: skipped, a saved plan (plan --out)");
    expect(again.stderr).toContain("reviewed.json: skipped, a saved plan (plan --out)");
    const io = captureIo({});
    expect(await main(["validate", dir], io)).toBe(0);
    expect(io.out()).toMatch(/runs\.csv: 2 runs\nvalid: 1 file, 2 runs, 0 errors/);
    expect(io.err()).toContain(`note: ${join(dir, "plan.json")}: skipped, a saved plan`);
  });

  it("recognises by content, not by name", async () => {
    const dir = manifestDir({
      "results.csv": "clientKey,name\nk,A\n", // a manifest, whatever its name
      "nightly.csv":
        "clientKey,action,status,runId,updateMask,error,source\r\nk,create,ok,r1,,,runs.csv:2\r\n",
      "semicolons.csv": "\uFEFFclientKey;action;status;runId\nk;create;ok;r1\n",
      "rows.jsonl": '{"clientKey":"k","action":"create","status":"ok","source":"runs.csv:2"}\n',
      "list.json": '[{"clientKey":"k","name":"A"}]',
      "runs.json": '{"runs":[{"clientKey":"k","name":"A"}]}',
      "lims.json": '{"version": 2, "data": {"items": [{"id": "S-1"}]}}', // an export's own version
      "plan.json": '{"version":2,"target":"http://127.0.0.1:1","changes":[\n],"summary":{}}\n',
    });
    const kind = (name: string) => recogniseOwnFile(join(dir, name));
    expect(await kind("results.csv")).toBeUndefined();
    expect(await kind("nightly.csv")).toBe("results");
    expect(await kind("semicolons.csv")).toBe("results");
    expect(await kind("rows.jsonl")).toBe("results");
    expect(await kind("list.json")).toBeUndefined();
    expect(await kind("runs.json")).toBeUndefined();
    expect(await kind("lims.json")).toBeUndefined();
    expect(await kind("plan.json")).toBe("plan");
    expect(await kind("missing.csv")).toBeUndefined();
  });

  it("plan dir/ --format json > dir/plan.json: the shell's file is this command's stdout, skipped", async () => {
    const dir = manifestDir({ "runs.csv": manifest, "empty.csv": "" });
    const out = join(dir, "plan.json");
    for (const night of [1, 2]) {
      // As a shell does it: the file is created (empty, or truncated) before the command starts.
      const result = await spawnWithStdoutTo(out, ["plan", dir, "--format", "json"], {
        SIFT_REST_URI: emulator().url,
        SIFT_API_KEY: "local",
      });
      expect(result.code, result.stderr).toBe(0);
      const plan = JSON.parse(readFileSync(out, "utf8")) as { changes: { clientKey: string }[] };
      expect(plan.changes.map((c) => c.clientKey)).toEqual(["own-1", "own-2"]);
      const notes = result.stderr.split("\n").filter((l) => l.includes("skipped"));
      expect(notes, `night ${night}`).toHaveLength(2);
      expect(result.stderr).toContain(
        `${out}: skipped, the output of this command (its stdout is redirected there), not a manifest`,
      );
      expect(result.stderr).toContain(
        `${join(dir, "empty.csv")}: skipped, an empty file (0 bytes), not a manifest`,
      );
    }
  });

  it("apply dir/ --format json > dir/apply-DATE.json, night after night", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nnight-1,Run 1\nnight-2,Run 2\n" });
    const env = { SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" };
    const night1 = await spawnWithStdoutTo(
      join(dir, "apply-1.json"),
      ["apply", dir, "--format", "json"],
      env,
    );
    expect(night1.code, night1.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "apply-1.json"), "utf8"))).toMatchObject({
      created: 2,
    });
    const night2 = await spawnWithStdoutTo(
      join(dir, "apply-2.json"),
      ["apply", dir, "--format", "json"],
      env,
    );
    expect(night2.code, night2.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "apply-2.json"), "utf8"))).toMatchObject({
      created: 0,
      unchanged: 2,
    });
    expect(night2.stderr).toContain(
      `${join(dir, "apply-1.json")}: skipped, an apply summary (apply --format json)`,
    );
    expect(night2.stderr).toContain(
      `${join(dir, "apply-2.json")}: skipped, the output of this command`,
    );
  });

  it("validate dir/ > dir/runs.yaml: its own output is not validated", async () => {
    const dir = manifestDir({ "runs.csv": manifest });
    const out = join(dir, "runs.yaml");
    const result = await spawnWithStdoutTo(out, ["validate", dir, "--show", "5"], {});
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("# valid: 1 file, 2 runs, 0 errors");
    expect(result.stderr).toContain(`note: ${out}: skipped, the output of this command`);
  });

  it("a config source that is a directory skips them too: plan --config > exports/plan-N.json", async () => {
    const dir = projectDir({
      "sift-run-sync.yaml":
        'version: 1\nsources:\n  - path: exports/\n    fields: { clientKey: "TS-{Test ID}", name: Test Name }\n',
      "exports/teststand.csv": "Test ID,Test Name\n1,Run 1\n2,Run 2\n",
      "exports/results-2024-05-01.csv":
        "clientKey,action,status,runId,updateMask,error,source\nTS-1,create,ok,r1,,,exports/teststand.csv:2\n",
      "exports/empty.csv": "",
    });
    const env = { SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" };
    const config = join(dir, "sift-run-sync.yaml");
    for (const night of [1, 2]) {
      // Night 2 also finds night 1's plan.json, now a plan document, in the directory.
      const out = join(dir, "exports", `plan-${night}.json`);
      const args = ["plan", "--config", config, "--format", "json"];
      const result = await spawnWithStdoutTo(out, args, env);
      expect(result.code, result.stderr).toBe(0);
      const plan = JSON.parse(readFileSync(out, "utf8")) as { changes: { clientKey: string }[] };
      expect(plan.changes.map((c) => c.clientKey)).toEqual(["TS-1", "TS-2"]);
      const notes = result.stderr.split("\n").filter((l) => l.includes("skipped"));
      expect(notes, `night ${night}`).toHaveLength(night === 1 ? 3 : 4);
      expect(result.stderr).toContain(
        `${out}: skipped, the output of this command (its stdout is redirected there), not a manifest`,
      );
      expect(result.stderr).toContain(
        `${join(dir, "exports", "results-2024-05-01.csv")}: skipped, a results file (apply --results)`,
      );
      expect(result.stderr).toContain(
        `${join(dir, "exports", "empty.csv")}: skipped, an empty file`,
      );
      if (night === 2)
        expect(result.stderr).toContain(
          `${join(dir, "exports", "plan-1.json")}: skipped, a saved plan (plan --out)`,
        );
    }
    const io = captureIo({});
    expect(await main(["validate", "--config", config], io)).toBe(0);
    expect(io.out()).toMatch(/teststand\.csv: 2 runs\nvalid: 1 file, 2 runs, 0 errors/);
    expect(io.err()).toContain(
      `note: ${join(dir, "exports", "plan-1.json")}: skipped, a saved plan`,
    );
  });

  it("a config source that is a glob skips them too, and still reads its own JSON exports", async () => {
    const records = [
      { "Test ID": "1", "Test Name": "Run 1" },
      { "Test ID": "2", "Test Name": "Run 2" },
    ];
    const dir = projectDir({
      "sift-run-sync.yaml":
        'version: 1\nsources:\n  - path: "exports/*.json"\n    fields: { clientKey: "G-{Test ID}", name: Test Name }\n',
      "exports/lims.json": JSON.stringify(records, null, 2),
      "exports/apply-2024-05-01.json": '{"created":2,"updated":0,"unchanged":0}\n',
    });
    const env = { SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" };
    const out = join(dir, "exports", "apply-2024-05-02.json");
    const args = ["apply", "--config", join(dir, "sift-run-sync.yaml"), "--format", "json"];
    const result = await spawnWithStdoutTo(out, args, env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ created: 2 });
    expect(result.stderr).toContain(`${out}: skipped, the output of this command`);
    expect(result.stderr).toContain(
      `${join(dir, "exports", "apply-2024-05-01.json")}: skipped, an apply summary (apply --format json)`,
    );
    expect(result.stderr).not.toContain("lims.json: skipped");
  });

  it("a file named as a config source's path is read as given, even empty", async () => {
    const dir = projectDir({
      "sift-run-sync.yaml": "version: 1\nsources:\n  - path: exports/runs.csv\n",
      "exports/runs.csv": "",
    });
    const io = captureIo({});
    expect(await main(["validate", "--config", join(dir, "sift-run-sync.yaml")], io)).toBe(1);
    expect(io.err()).not.toContain("skipped");
    expect(io.err()).toContain(`${join(dir, "exports", "runs.csv")}:1 is empty`);
  });

  it("a config source whose directory holds only the tool's own files is a problem of the config", async () => {
    const dir = projectDir({
      "sift-run-sync.yaml": "version: 1\nsources:\n  - path: exports/\n",
      "exports/empty.csv": "",
    });
    const io = captureIo({});
    expect(await main(["validate", "--config", join(dir, "sift-run-sync.yaml")], io)).toBe(1);
    expect(io.err()).toContain(
      `note: ${join(dir, "exports", "empty.csv")}: skipped, an empty file`,
    );
    expect(io.err()).toContain(
      `sift-run-sync.yaml:3 sources[0].path: "exports/" has no export files but sift-run-sync's own`,
    );
  });

  it("an empty file, and the file given as stdout by identity, whatever their content", async () => {
    const dir = manifestDir({ "empty.yaml": "", "runs.csv": manifest });
    expect(await recogniseOwnFile(join(dir, "empty.yaml"))).toBe("empty");
    const { dev, ino } = statSync(join(dir, "runs.csv"));
    expect(await recogniseOwnFile(join(dir, "runs.csv"), { dev, ino })).toBe("stdout");
    expect(await recogniseOwnFile(join(dir, "runs.csv"), { dev, ino: ino + 1 })).toBeUndefined();
  });
});

/** Runs the built CLI with stdout redirected to `file` (created or truncated first, as `>` does). */
function spawnWithStdoutTo(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const fd = openSync(file, "w");
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ["ignore", fd, "pipe"],
    env: { ...process.env, ...env, NO_COLOR: "1" },
  });
  closeSync(fd);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
