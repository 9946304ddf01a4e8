import { describe, expect, it } from "vitest";
import { SEED, useEmulator } from "../e2e/harness.js";
import { HAS_SCRIPT, renderScreen, runInTerminal, runsDir } from "./support.js";

/**
 * Bug 1 of issue 11: on a terminal, report blocks and log lines were printed right after the
 * progress bar on the same line (`planning [#####---] 4/15 26%+ create bf-2024-006`).
 * Run through a real pseudo-terminal (util-linux `script`), stdout and stderr on it.
 */
describe.skipIf(!HAS_SCRIPT)("the progress bar on a terminal", () => {
  // Three lookup batches answered 150 ms apart: the bar is up while the report and the
  // debug log lines keep coming.
  const emulator = useEmulator({ seed: SEED, latencyMs: 150 });

  it("never shares a line with a report block or a log line, and is gone at the end", async () => {
    const dir = runsDir(1200);
    const env = { SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" };
    const args = ["plan", dir, "--concurrency", "1", "--log-level", "debug"];
    const { code, raw } = await runInTerminal(args, env);
    expect(code).toBe(0);
    // The bar was drawn, more than once, and again after the report had started.
    const draws = raw.split("planning [").length - 1;
    expect(draws).toBeGreaterThan(1);
    expect(raw.lastIndexOf("planning [")).toBeGreaterThan(raw.indexOf("+ create key-00001"));
    const screen = renderScreen(raw);
    expect(screen.filter((line) => line.includes("planning ["))).toEqual([]);
    // Everything else is whole: every report block and log line starts its own line.
    expect(screen.filter((line) => /.\+ create key-/.test(line))).toEqual([]);
    expect(screen.filter((line) => line.startsWith("+ create key-"))).toHaveLength(1200);
    expect(screen.some((line) => /^\d\d:\d\d:\d\d\.\d{3} DEBUG answer/.test(line))).toBe(true);
    expect(screen.at(-1)).toMatch(/^Plan: 1,200 to create/);
  });
});
