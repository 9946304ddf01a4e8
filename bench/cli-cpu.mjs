// The CLI's CPU for one scenario, for A/B comparisons of two builds run at the same time:
//
//   node bench/cli-cpu.mjs cold|large [--runs N] [--core C]
//
// `cold` applies N new runs (default 5,000: scenario 1), `large` plans N runs the emulator
// already holds (default 200,000: scenario 5), against an emulator of its own (20 ms latency,
// --concurrency 16, a fresh --cache directory). With --core, the CLI (not the emulator) is
// pinned to that core with taskset. Prints one JSON line: wall, CPU, CPU per run, peak RSS.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startEmulatorProcess } from "./processes.mjs";
import { writeManifest } from "./runs.mjs";

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const kind = args[0];
if (kind !== "cold" && kind !== "large") throw new Error("usage: cli-cpu.mjs cold|large");
const runs = Number(value("runs", kind === "cold" ? 5000 : 200_000));
const core = value("core", undefined);

const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-cli-cpu-"));
const emulator = await startEmulatorProcess({ latencyMs: 20 });
try {
  const manifest = join(dir, `${kind}.csv`);
  await writeManifest(manifest, kind, runs);
  if (kind === "large") await emulator.ask("load", { prefix: kind, count: runs });
  await emulator.ask("reset");
  const command = kind === "cold" ? ["apply", manifest, "--format", "json"] : ["plan", manifest];
  const flags = ["--concurrency", "16", "--no-progress", "--log-level", "error"];
  const run = await runCli(emulator.url, [...command, ...flags, "--cache", join(dir, "cache")], {
    core,
  });
  const stats = await emulator.ask("stats");
  if (run.code !== 0) process.stderr.write(run.stderr.slice(0, 2000));
  const tMin = (Math.ceil(stats.total / 16) * 20) / 1000;
  const line = {
    kind,
    runs,
    core,
    code: run.code,
    wallSeconds: Number(run.seconds.toFixed(3)),
    cpuSeconds: run.cpuSeconds,
    cpuMicrosPerRun: Number(((run.cpuSeconds * 1e6) / runs).toFixed(1)),
    requests: stats.total,
    ratio: Number((run.seconds / tMin).toFixed(3)),
    maxRssMB: Math.round(run.maxRssMB),
  };
  console.log(JSON.stringify(line));
} finally {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
