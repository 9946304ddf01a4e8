import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { formatApplySummary } from "../../src/report/apply-summary.js";
import { formatPlanLine } from "../../src/plan/summary.js";
import { createPlanSummary } from "../../src/plan/summary.js";
import { SEED, useEmulator } from "../e2e/harness.js";
import { BIN, HAS_SCRIPT, renderScreen, runsDir } from "./support.js";

/**
 * Issue 20, item 5: a report piped to a reader that shares the terminal (`plan | less`,
 * `| head`) never has the progress bar between its lines; and counts are grouped.
 */
function runPiped(args: string[], reader: string, env: Record<string, string>) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols 120; ${[process.execPath, BIN, ...args].map(quote).join(" ")} | ${reader}`;
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: { ...process.env, ...env, TERM: "xterm" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let raw = "";
  child.stdout.on("data", (d) => (raw += d));
  child.stderr.on("data", (d) => (raw += d));
  return new Promise<string>((resolve) => child.on("close", () => resolve(raw)));
}

describe.skipIf(!HAS_SCRIPT)("the progress bar and a report piped in the same terminal", () => {
  const emulator = useEmulator({ seed: SEED, latencyMs: 150 });

  it("plan | awk: no line holds the bar, every report line starts its own line", async () => {
    const dir = runsDir(1500);
    const env = { SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" };
    const raw = await runPiped(["plan", dir, "--concurrency", "1"], "awk 'NR<=4 || /^Plan/'", env);
    const screen = renderScreen(raw);
    expect(screen.filter((line) => line.includes("planning ["))).toEqual([]);
    expect(screen.filter((line) => line.startsWith("+ create key-"))).toHaveLength(2);
    expect(screen.at(-1)).toBe("Plan: 1,500 to create, 0 to update, 0 unchanged, 0 warnings.");
  });
});

describe("counts in human summaries", () => {
  it("are grouped in thousands, as in the logs", () => {
    const summary = { ...createPlanSummary(), create: 1347, unchanged: 20000 };
    expect(formatPlanLine(summary)).toBe(
      "Plan: 1,347 to create, 0 to update, 20,000 unchanged, 0 warnings.",
    );
    expect(
      formatApplySummary({
        created: 1347,
        updated: 0,
        archived: 2500,
        unchanged: 12000,
        failed: 0,
        skipped: 1001,
        elapsedMs: 1400,
        requests: 5000,
        retries: 0,
      }),
    ).toBe(
      "Applied: 1,347 created, 0 updated, 2,500 archived, 12,000 unchanged, 0 failed, 1,001 skipped in 1.4 s (5,000 requests, 0 retries).",
    );
  });
});
