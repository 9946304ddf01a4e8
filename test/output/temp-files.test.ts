import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SEED, useEmulator } from "../e2e/harness.js";
import { spawnCli } from "../reliability/support/processes.js";
import { filesIn, runsDir } from "./support.js";

/**
 * Bug 5 of issue 11: `plan --out` left `plan.json.<pid>-<rand>.tmp` behind (up to 34 MB)
 * after Ctrl-C or a failure. Interrupted, the plan removes its temporary file, writes no plan
 * file, ends its stdout document with the interruption and exits 130 (SIGINT) or 143 (SIGTERM).
 */
describe("plan --out stopped by a signal", () => {
  // Slow lookups: the plan is under way, its temporary file open, when the signal comes.
  const emulator = useEmulator({ seed: SEED, latencyMs: 400 });

  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal}: no temporary file, no plan file, a complete JSON document, exit ${exitCode}`, async () => {
      const dir = runsDir(1500);
      const out = join(dir, "plan.json");
      const env = { SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" };
      const cli = spawnCli(
        ["plan", dir, "--out", out, "--format", "json", "--concurrency", "1"],
        env,
      );
      while (filesIn(dir, /\.tmp$/).length === 0) {
        if (cli.child.exitCode !== null) throw new Error(`plan ended early: ${cli.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      cli.child.kill(signal);
      const code = await cli.exited;
      expect(filesIn(dir, /\.tmp$/)).toEqual([]);
      expect(existsSync(out)).toBe(false);
      expect(code).toBe(exitCode);
      const doc = JSON.parse(cli.stdout());
      expect(doc.error).toMatchObject({ code: "INTERRUPTED", signal });
      expect(doc.error.message).toMatch(
        /^interrupted by .* while .*: the plan is incomplete; .*plan\.json \(--out\) was not written$/,
      );
      expect(cli.stderr()).not.toMatch(/\n\s+at |internal error/);
    });
  }
});
