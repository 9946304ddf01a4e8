import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SEED, useEmulator } from "../e2e/harness.js";
import { BIN, filesIn, runsDir } from "./support.js";

/**
 * Bug 2 of issue 11: `plan manifests/ | head -2` ended in `Unhandled 'error' event ... write
 * EPIPE` and a stack trace. A closed stdout ends the command quietly, and leaves no
 * half-written --out file.
 */
describe("a closed stdout (| head)", () => {
  const emulator = useEmulator({ seed: SEED });

  /** Runs the CLI and closes its stdout after the first chunk, as `head -c 1` would. */
  function runIntoClosedPipe(args: string[]) {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let received = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.once("data", (d) => {
      received += d;
      child.stdout.destroy();
    });
    return new Promise<{ code: number | null; stderr: string; received: string }>((resolve) =>
      child.on("close", (code) => resolve({ code, stderr, received })),
    );
  }

  for (const format of ["table", "json", "markdown"]) {
    it(`ends plan --format ${format} quietly, without a stack trace or a plan file`, async () => {
      const dir = runsDir(3000);
      const out = join(dir, "plan.json");
      const result = await runIntoClosedPipe(["plan", dir, "--format", format, "--out", out]);
      expect(result.received).not.toBe("");
      expect(result.stderr).not.toMatch(/EPIPE|Unhandled|internal error|\n\s+at /);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(141);
      // Table and JSON stop at the write that met the closed pipe, before the plan is saved.
      // Markdown writes its rows at the end (a refusal opens it), after the plan file was
      // saved whole: a complete plan may stay, never a half-written one.
      if (format === "markdown") {
        if (existsSync(out)) expect(JSON.parse(readFileSync(out, "utf8"))).toBeTypeOf("object");
      } else {
        expect(existsSync(out)).toBe(false);
      }
      expect(filesIn(dir, /\.tmp$/)).toEqual([]);
    });
  }
});
