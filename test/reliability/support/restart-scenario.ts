import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WireRun } from "../../../src/emulator/index.js";
import { EmulatorProcess, spawnCli } from "./processes.js";
import { seededRandom, sleep } from "./random.js";
import { diffResults, readResults } from "./results.js";
import { BASE_SEED, generateRuns, toCsv } from "./runs.js";
import { diffState, duplicateKeys } from "./state.js";

interface Outage {
  /** Kill the API server once this many rows are in the results file. */
  afterRows: number;
  /** Start it again after this long; `undefined`: it never comes back. */
  downForMs: number | undefined;
}

export interface RestartScenario {
  runs: number;
  seed: number;
  /** In order; only the last may never come back. */
  outages: Outage[];
  /** Per-request latency of the emulator, so the apply is still under way at the kill. */
  latencyMs?: number;
}

export interface RestartOutcome {
  code: number;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** The state after the rerun (the server restarted first if it never came back). */
  stateProblems: string[];
  duplicates: string[];
  /** The interrupted apply's results file against the state right after it. */
  resultProblems: string[];
  /** A fresh apply after everything: its exit code and summary. */
  rerun: { code: number; stdout: string };
  dir: string;
}

/**
 * `sift-run-sync emulator --state FILE` runs as its own process; an apply of a generated
 * manifest starts, and the API server is SIGKILLed in the middle of it, then (maybe)
 * restarted on the same port with the same state file.
 */
export async function runRestartScenario(scenario: RestartScenario): Promise<RestartOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "srs-restart-"));
  const manifest = generateRuns(`rs${scenario.seed}`, scenario.runs, seededRandom(scenario.seed));
  mkdirSync(join(dir, "manifests"));
  writeFileSync(join(dir, "manifests", "runs.csv"), toCsv(manifest));
  const latency = ["--latency", String(scenario.latencyMs ?? 2)];
  const server = await EmulatorProcess.start(dir, BASE_SEED, latency);
  try {
    const results = join(dir, "results.jsonl");
    // A server that comes back must find the apply still retrying: the real retry budget.
    const comesBack = scenario.outages.some((o) => o.downForMs !== undefined);
    const env = {
      SIFT_REST_URI: server.url,
      SIFT_API_KEY: "local",
      ...(comesBack && { SIFT_RUN_SYNC_BACKOFF_SCALE: "1" }),
    };
    const started = performance.now();
    const apply = spawnCli(["apply", join(dir, "manifests"), "--results", results], env);
    let down = false;
    for (const outage of scenario.outages) {
      while (countLines(results) < outage.afterRows) {
        if (apply.child.exitCode !== null) throw new Error(`apply ended early: ${apply.stderr()}`);
        await sleep(5);
      }
      await server.kill();
      down = outage.downForMs === undefined;
      if (down) break;
      await sleep(outage.downForMs!);
      await server.restart();
    }
    const code = await apply.exited;
    const elapsedMs = performance.now() - started;
    if (down) await server.restart();
    const runIds = new Map((await listAllRuns(server.url)).map((r) => [r.clientKey, r.runId]));
    const keys = manifest.map((r) => r.clientKey);
    const resultProblems = diffResults(readResults(results), keys, (k) => runIds.get(k));
    const rerun = spawnCli(["apply", join(dir, "manifests")], env);
    const rerunCode = await rerun.exited;
    const runs = await listAllRuns(server.url);
    return {
      code,
      stdout: apply.stdout(),
      stderr: apply.stderr(),
      elapsedMs,
      stateProblems: diffState(runs, manifest),
      duplicates: duplicateKeys(runs),
      resultProblems,
      rerun: { code: rerunCode, stdout: rerun.stdout() },
      dir,
    };
  } finally {
    await server.kill();
  }
}

function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, "utf8").split("\n").length - 1;
}

/** Every run the API holds, read page by page over HTTP. */
async function listAllRuns(url: string): Promise<WireRun[]> {
  const runs: WireRun[] = [];
  let pageToken = "";
  do {
    const query = new URLSearchParams({ pageSize: "1000", ...(pageToken && { pageToken }) });
    const response = await fetch(`${url}/api/v2/runs?${query}`, {
      headers: { authorization: "Bearer local" },
    });
    const page = (await response.json()) as { runs?: WireRun[]; nextPageToken?: string };
    runs.push(...(page.runs ?? []));
    pageToken = page.nextPageToken ?? "";
  } while (pageToken !== "");
  return runs;
}
