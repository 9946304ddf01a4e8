import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../src/cli/main.js";
import { type EmulatorStats, startEmulator } from "../../../src/emulator/index.js";
import { expect } from "vitest";
import { captureIo } from "../../helpers/io.js";
import { runCliProcess } from "./processes.js";
import { seededRandom } from "./random.js";
import { diffResults, readResults } from "./results.js";
import { BASE_SEED, generateRuns, type ManifestRun, toCsv, toSeedRuns } from "./runs.js";
import { diffState, duplicateKeys } from "./state.js";

/** Passes of the same apply allowed before a fault scenario counts as not converging. */
const MAX_PASSES = 3;
/** A row may fail for good only because every attempt of a request met a fault. */
const RETRY_BUDGET_SPENT = /\(after \d+ attempts\)/;

export interface FaultScenario {
  runs: number;
  faultRate: number;
  faultSeed: number;
  /** Spawn the CLI (as a cron job does) rather than run `main` in-process. */
  spawn?: boolean;
  concurrency?: number;
}

interface ApplySummaryJson {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
  elapsedMs: number;
  requests: number;
  retries: number;
}

export interface FaultOutcome {
  /** One summary per apply pass, the last one with exit code 0 when it converged. */
  passes: { code: number; summary: ApplySummaryJson; failures: string[] }[];
  /** Differences between the emulator and the manifest after the last pass ([] = equal). */
  stateProblems: string[];
  duplicates: string[];
  /** Problems with the first pass's results file ([] = one correct line per run). */
  resultProblems: string[];
  faults: EmulatorStats["faults"];
  /** Failed rows whose error is not "every attempt met a fault". */
  unexpectedFailures: string[];
  elapsedMs: number;
}

/**
 * Applies a generated manifest against an emulator injecting faults at `faultRate` (all
 * kinds, lost answers included): 60% new runs, 25% existing runs that differ, 15% unchanged.
 * Re-applies while a pass reports failed rows (each must be a spent retry budget), up to
 * MAX_PASSES, then compares Sift with the manifest field by field.
 */
export async function runFaultScenario(scenario: FaultScenario): Promise<FaultOutcome> {
  const random = seededRandom(scenario.faultSeed);
  const prefix = `s${scenario.faultSeed}`;
  const manifest = generateRuns(prefix, scenario.runs, random, 1);
  const existingCount = Math.floor(scenario.runs * 0.4);
  const stale = generateRuns(prefix, existingCount, random, 0);
  // The last 15% of runs exist exactly as the manifest has them: unchanged.
  const existing: ManifestRun[] = [
    ...stale.slice(0, Math.floor(scenario.runs * 0.25)),
    ...manifest.slice(Math.floor(scenario.runs * 0.25), existingCount),
  ];
  const emulator = await startEmulator({
    port: 0,
    seed: { ...BASE_SEED, runs: toSeedRuns(existing) },
    faultRate: scenario.faultRate,
    faultSeed: scenario.faultSeed,
    // NOTE: every 429 still carries Retry-After (0 s here): at the default 1 s, the pool's
    // pause on each injected 429 turns a 5,000-run soak into an hour of waiting.
    retryAfterSeconds: 0,
  });
  try {
    const dir = mkdtempSync(join(tmpdir(), "srs-faults-"));
    const manifestDir = join(dir, "manifests");
    // Results files go beside, not inside, the manifest directory (which apply reads whole).
    mkdirSync(manifestDir);
    writeFileSync(join(manifestDir, "runs.csv"), toCsv(manifest));
    const started = performance.now();
    const passes: FaultOutcome["passes"] = [];
    let resultProblems: string[] = [];
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const results = join(dir, `results-${pass}.${pass % 2 ? "csv" : "jsonl"}`);
      const args = ["apply", manifestDir, "--format", "json", "--results", results];
      args.push("--concurrency", String(scenario.concurrency ?? 8));
      const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" };
      const { code, stdout } = scenario.spawn
        ? await runCliProcess(args, env)
        : await runInProcess(args, env);
      const lines = readResults(results);
      if (pass === 1) {
        const runIds = new Map(emulator.runs().map((r) => [r.clientKey, r.runId]));
        resultProblems = diffResults(
          lines,
          manifest.map((r) => r.clientKey),
          (key) => runIds.get(key),
        );
      }
      const failures = lines
        .filter((l) => l.status !== "ok")
        .map((l) => `${l.clientKey}: ${l.error}`);
      passes.push({ code, summary: JSON.parse(stdout) as ApplySummaryJson, failures });
      if (code === 0) break;
    }
    const runs = emulator.runs();
    return {
      passes,
      stateProblems: diffState(runs, manifest),
      duplicates: duplicateKeys(runs),
      resultProblems,
      faults: emulator.stats().faults,
      unexpectedFailures: passes
        .flatMap((p) => p.failures)
        .filter((f) => !RETRY_BUDGET_SPENT.test(f)),
      elapsedMs: performance.now() - started,
    };
  } finally {
    await emulator.close();
  }
}

async function runInProcess(args: string[], env: Record<string, string>) {
  const io = captureIo(env);
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** `seed 1: 5,000 runs in 61.2 s, 1 pass, 7,312 requests (2,101 retries); faults: ...` */
export function describeOutcome(scenario: FaultScenario, outcome: FaultOutcome): string {
  const requests = outcome.passes.reduce((n, p) => n + p.summary.requests, 0);
  const retries = outcome.passes.reduce((n, p) => n + p.summary.retries, 0);
  const faults = Object.entries(outcome.faults)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const failed = outcome.passes.map((p) => p.summary.failed).join("+");
  return (
    `fault seed ${scenario.faultSeed}: ${scenario.runs} runs at ${scenario.faultRate} in ` +
    `${(outcome.elapsedMs / 1000).toFixed(1)} s, ${outcome.passes.length} pass(es) ` +
    `(failed per pass: ${failed}), ${requests} requests, ${retries} retries; faults: ${faults}`
  );
}

/**
 * What "converged" means for a fault scenario, the fast cut and the soak alike: the last pass
 * exited 0, one run per clientKey, Sift equal to the manifest, every row in the results, no
 * failure but the retry budget running out, and every fault kind (lost answers included) met.
 */
export function expectConverged(outcome: FaultOutcome): void {
  expect(outcome.passes.at(-1)?.code).toBe(0);
  expect(outcome.duplicates).toEqual([]);
  expect(outcome.stateProblems).toEqual([]);
  expect(outcome.resultProblems).toEqual([]);
  expect(outcome.unexpectedFailures).toEqual([]);
  for (const n of Object.values(outcome.faults)) expect(n).toBeGreaterThan(0);
}
