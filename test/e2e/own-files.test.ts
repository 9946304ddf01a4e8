import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { recogniseOwnFile } from "../../src/manifest/own-files.js";
import { captureIo } from "../helpers/io.js";
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
    });
    const kind = (name: string) => recogniseOwnFile(join(dir, name));
    expect(await kind("results.csv")).toBeUndefined();
    expect(await kind("nightly.csv")).toBe("results");
    expect(await kind("semicolons.csv")).toBe("results");
    expect(await kind("rows.jsonl")).toBe("results");
    expect(await kind("list.json")).toBeUndefined();
    expect(await kind("runs.json")).toBeUndefined();
    expect(await kind("missing.csv")).toBeUndefined();
  });
});
