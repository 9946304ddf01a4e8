// The `--state` benchmark of issue 10: `npm run bench:state` (builds, then runs this).
//
//   node bench/state.mjs [--runs 50000] [--dir DIR] [--check]
//
// The real CLI (its default concurrency, 8 requests in flight) applies a manifest of `--runs`
// new runs, so as many creates, to an emulator in its own process: once with the state in
// memory, once with `--state FILE` (in DIR, default the system's temporary directory: keep it
// on a real disk, where fsync costs what it costs). Prints both rates (runs per second of the
// whole apply, wall time from spawn to exit) and their ratio; the target is ≥ 0.8.
// `--check` exits 1 below it.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startEmulatorProcess } from "./processes.mjs";
import { writeManifest } from "./runs.mjs";

const TARGET_RATIO = 0.8;

const options = readOptions(process.argv.slice(2));
const dir = await mkdtemp(join(options.dir, "sift-run-sync-bench-state-"));
try {
  const manifest = join(dir, "runs.csv");
  await writeManifest(manifest, "state", options.runs);
  const load = loadavg()[0];
  const memory = await measure(manifest, {});
  const statePath = join(dir, "state.json");
  const state = await measure(manifest, { statePath });
  const ratio = state.rate / memory.rate;
  const snapshotMB = (await stat(statePath)).size / 2 ** 20;
  console.log(
    `${options.runs} creates through the CLI (concurrency 8), emulator in its own process`,
  );
  console.log(`  in memory:      ${line(memory)}`);
  console.log(`  --state FILE:   ${line(state)}; snapshot after close ${snapshotMB.toFixed(1)} MB`);
  console.log(
    `  ratio: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? "met" : "MISSED"})`,
  );
  console.log(`  load average: ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
  if (options.check && ratio < TARGET_RATIO) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** One apply of `manifest` against a fresh emulator with `emulatorOptions`. */
async function measure(manifest, emulatorOptions) {
  const emulator = await startEmulatorProcess(emulatorOptions);
  const run = await runCli(emulator.url, ["apply", manifest, "--no-progress"]);
  const closing = performance.now();
  await emulator.close();
  const closeSeconds = (performance.now() - closing) / 1000;
  if (run.code !== 0 || !run.stdout.includes(`${options.runs} created`)) {
    throw new Error(`apply exited with ${run.code}: ${run.stdout}${run.stderr.slice(0, 2000)}`);
  }
  return { seconds: run.seconds, rate: options.runs / run.seconds, closeSeconds };
}

function line({ seconds, rate, closeSeconds }) {
  return `${rate.toFixed(0)} runs/s (${seconds.toFixed(1)} s; emulator close ${closeSeconds.toFixed(2)} s)`;
}

function readOptions(args) {
  const found = { runs: 50_000, dir: tmpdir(), check: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--check") found.check = true;
    else if (arg === "--runs") found.runs = Number(args[++i]);
    else if (arg === "--dir") found.dir = args[++i];
    else throw new Error(`unknown option ${arg} (see the head of bench/state.mjs)`);
  }
  if (!(Number.isInteger(found.runs) && found.runs > 0))
    throw new Error("--runs: a whole number > 0");
  return found;
}
