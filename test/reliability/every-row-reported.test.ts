import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { captureIo } from "../helpers/io.js";
import { startLookupBreaker } from "./support/lookup-breaker.js";
import { runRestartScenario } from "./support/restart-scenario.js";
import { readResults } from "./support/results.js";
import { BASE_SEED } from "./support/runs.js";

/**
 * Whatever stops an apply, every manifest row ends in the results file and in the summary
 * counts exactly once (rows never reached: skipped, with the reason), the summary is printed,
 * and the skipped rows are one log line, not one per row.
 */

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** `Stopped: 1 created, ... 5 skipped in 1.0 s` read back into numbers. */
function summaryCounts(stdout: string) {
  // Counts are grouped as in the logs (1,274).
  const n = "([\\d,]+)";
  const m = new RegExp(
    `${n} created, ${n} updated, ${n} unchanged, ${n} failed, ${n} skipped`,
  ).exec(stdout);
  if (!m) throw new Error(`no summary in: ${stdout}`);
  const [created, updated, unchanged, failed, skipped] = m
    .slice(1)
    .map((s) => Number(s.replaceAll(",", ""))) as number[];
  return {
    created,
    updated,
    unchanged,
    failed,
    skipped,
    total: created! + updated! + unchanged! + failed! + skipped!,
  };
}

function countsOf(lines: { status: string }[]) {
  const by = (status: string) => lines.filter((l) => l.status === status).length;
  return { ok: by("ok"), failed: by("failed"), skipped: by("skipped") };
}

describe("every row is reported, whatever stops the apply", () => {
  it("the API server is killed and never comes back", async () => {
    const outcome = await runRestartScenario({
      runs: 1500,
      seed: 11,
      outages: [{ afterRows: 200, downForMs: undefined }],
    });
    console.log(`apply: ${(outcome.elapsedMs / 1000).toFixed(1)} s; ${outcome.stdout.trim()}`);
    expect(outcome.code).toBe(1);
    const lines = readResults(join(outcome.dir, "results.jsonl"));
    expect(lines).toHaveLength(1500);
    expect(new Set(lines.map((l) => l.clientKey)).size).toBe(1500);
    expect(outcome.resultProblems).toEqual([]);
    const summary = summaryCounts(outcome.stdout);
    expect(summary.total).toBe(1500);
    const counts = countsOf(lines);
    expect(summary.failed).toBe(counts.failed);
    expect(summary.skipped).toBe(counts.skipped);
    expect(counts.skipped).toBeGreaterThan(1000);
    expect(outcome.stdout).toMatch(
      /^Stopped: .*The API stopped answering; run the same command again\.\n$/,
    );
    const skippedLine = `${counts.skipped.toLocaleString("en-US")} rows skipped: the API stopped answering; run the same command again`;
    expect(outcome.stderr).toContain(skippedLine);
    // One line per row under way when the API went away, one for all the skipped rows; and the
    // connection retries, shown at warn once per reason and attempt (not once per request).
    // The scenario's hostile asset names hold "," in a ";" list: the manifest read warns about
    // that (the first 20 rows, then one line for the rest), apart from the apply's own lines.
    const allLines = outcome.stderr.trim().split("\n");
    const manifestWarnings = allLines.filter((l) => l.includes("list items are separated by"));
    expect(manifestWarnings.length).toBeLessThanOrEqual(21);
    const logLines = allLines.filter((l) => !manifestWarnings.includes(l));
    const retries = logLines.filter((l) => l.includes('"msg":"retrying: '));
    const reasons = new Set(retries.map((l) => /"msg":"retrying: ([^;]*);/.exec(l)?.[1]));
    expect(retries.length).toBeLessThanOrEqual(reasons.size * 7);
    expect(logLines.length - retries.length).toBeLessThanOrEqual(counts.failed + 2);
    // And the same command, run again once the API is back, finishes the job.
    expect(outcome.rerun.code).toBe(0);
    expect(outcome.stateProblems).toEqual([]);
    expect(outcome.duplicates).toEqual([]);
  }, 120_000);

  it("a lookup fails for good in the middle (403 on ListRuns)", async () => {
    emulator = await startEmulator({ port: 0, seed: BASE_SEED });
    const breaker = await startLookupBreaker(emulator.url, 1);
    try {
      const dir = mkdtempSync(join(tmpdir(), "srs-lookup-"));
      mkdirSync(join(dir, "m"));
      // 1,200 keys: two lookup batches of at most 1,000; only the first is answered.
      const rows = Array.from({ length: 1200 }, (_, i) => `lk-${i},Run ${i}`);
      writeFileSync(join(dir, "m", "runs.csv"), `clientKey,name\n${rows.join("\n")}\n`);
      const results = join(dir, "results.csv");
      const io = captureIo({ SIFT_REST_URI: breaker.url, SIFT_API_KEY: "local" }, dir);
      // --no-cache: the breaker lets the first ListRuns through, which must be a lookup.
      const code = await main(
        ["apply", "m", "--results", results, "--no-progress", "--no-cache"],
        io,
      );
      expect(code).toBe(1);
      const lines = readResults(results);
      expect(lines).toHaveLength(1200);
      expect(new Set(lines.map((l) => l.clientKey)).size).toBe(1200);
      const counts = countsOf(lines);
      expect(counts.ok).toBe(emulator.runs().length);
      expect(counts.ok).toBeGreaterThan(0);
      expect(counts.skipped).toBe(1200 - counts.ok);
      expect(lines.find((l) => l.status === "skipped")).toMatchObject({
        action: "unplanned",
        error: "not attempted: a lookup of existing runs failed; run the same command again",
      });
      const summary = summaryCounts(io.out());
      expect(summary).toMatchObject({ created: counts.ok, skipped: counts.skipped, total: 1200 });
      const log = io.err().trim().split("\n");
      expect(log).toHaveLength(2);
      expect(io.err()).toContain("the apply stopped: [GET /api/v2/runs] 403: permission denied");
      expect(io.err()).toContain(
        `${counts.skipped.toLocaleString("en-US")} rows skipped: a lookup`,
      );
    } finally {
      await breaker.close();
    }
  }, 60_000);
});
