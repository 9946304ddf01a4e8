import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "../../../src/emulator/index.js";
import { runCliProcess, spawnCli } from "./processes.js";
import { pickInt, seededRandom, sleep } from "./random.js";
import { BASE_SEED, generateRuns, type ManifestRun, toCsv } from "./runs.js";
import { diffState, duplicateKeys } from "./state.js";

/** How often the emulator's write count is read while waiting for the moment to kill. */
const POLL_MS = 2;
/** When the drawn moment is "before the first write", a delay of up to this many ms. */
const MAX_EARLY_KILL_MS = 300;

export interface CrashScenario {
  rounds: number;
  runsPerRound: number;
  /** Seeds the kill moments and the manifests: the same seed replays the same scenario. */
  seed: number;
}

export interface CrashRound {
  /** The drawn moment: kill once the emulator has committed this many writes (0: a delay). */
  killAfterWrites: number;
  /** Writes committed when the apply died; -1 when it finished before the moment came. */
  writesAtKill: number;
  /** Exit code of the fresh apply that followed. */
  resumeCode: number;
  resumeSummary: string;
  stateProblems: string[];
  duplicates: string[];
}

/**
 * Round after round, an apply process is SIGKILLed at a seeded random moment and a fresh
 * apply of the same manifest follows. Each round's manifest updates the runs the previous
 * round created and creates as many new ones, so kills land in creates, follow-up updates
 * (isPinned, isArchived) and updates alike.
 */
export async function runCrashScenario(scenario: CrashScenario): Promise<CrashRound[]> {
  const random = seededRandom(scenario.seed);
  const emulator = await startEmulator({ port: 0, seed: BASE_SEED, latencyMs: 1 });
  const rounds: CrashRound[] = [];
  try {
    const dir = mkdtempSync(join(tmpdir(), "srs-crash-"));
    const half = Math.floor(scenario.runsPerRound / 2);
    for (let round = 1; round <= scenario.rounds; round++) {
      const manifest: ManifestRun[] = [
        ...generateRuns(`r${round - 1}`, half, random, round),
        ...generateRuns(`r${round}`, scenario.runsPerRound - half, random, round),
      ];
      const manifestDir = join(dir, `round-${round}`);
      mkdirSync(manifestDir);
      writeFileSync(join(manifestDir, "runs.csv"), toCsv(manifest));
      const killAfterWrites = pickInt(random, 0, scenario.runsPerRound);
      const earlyMs = pickInt(random, 0, MAX_EARLY_KILL_MS);
      const writesAtKill = await killApplyAt(emulator, manifestDir, killAfterWrites, earlyMs);
      const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" };
      const resumed = await runCliProcess(["apply", manifestDir, "--no-progress"], env);
      const runs = emulator.runs();
      rounds.push({
        killAfterWrites,
        writesAtKill,
        resumeCode: resumed.code,
        resumeSummary: resumed.stdout.trim() + resumed.stderr.trim(),
        stateProblems: diffState(runs, manifest),
        duplicates: duplicateKeys(runs),
      });
    }
  } finally {
    await emulator.close();
  }
  return rounds;
}

/** Starts an apply and SIGKILLs it once `writes` more writes are committed (or after `earlyMs`). */
async function killApplyAt(
  emulator: Emulator,
  manifestDir: string,
  writes: number,
  earlyMs: number,
): Promise<number> {
  const before = emulator.stats().writes;
  const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" };
  const apply = spawnCli(["apply", manifestDir, "--no-progress"], env);
  let finished = false;
  void apply.exited.then(() => {
    finished = true;
  });
  if (writes === 0) await sleep(earlyMs);
  while (!finished && emulator.stats().writes - before < writes) await sleep(POLL_MS);
  if (finished) return -1;
  apply.child.kill("SIGKILL");
  await apply.exited;
  return emulator.stats().writes - before;
}

export function describeRounds(rounds: readonly CrashRound[]): string {
  const killed = rounds.filter((r) => r.writesAtKill >= 0);
  const moments = killed.map((r) => r.writesAtKill).join(", ");
  return `${rounds.length} rounds, ${killed.length} killed mid-apply (writes committed at the kill: ${moments})`;
}
