// Is `doctor`'s backfill estimate right? `npm run bench:doctor` (builds, then runs this).
//
//   node bench/doctor-estimate.mjs [--runs 3000] [--latency 20] [--concurrency 8] [--max-rps 200]
//
// Against an emulator process answering each request after `--latency` ms, two scenarios, each
// on a cold emulator: the estimate `doctor runs.csv` prints for the manifest's runs (and
// `doctor --estimate N`), then a timed `apply runs.csv` of the same runs (spawn to exit, node
// startup included, as a user waits for it). Scenario "latency" runs at --concurrency alone
// (bound by the round trips), scenario "rate" adds --max-rps (bound by the rate). The estimate
// should be within 20 % of the measured apply.
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startEmulatorProcess } from "./processes.mjs";
import { writeManifest } from "./runs.mjs";

const TOLERANCE = 0.2;
const options = readOptions(process.argv.slice(2));
const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-bench-doctor-"));
const rows = [];
try {
  rows.push(await measure("latency", []));
  rows.push(await measure("rate", ["--max-rps", String(options.maxRps)]));
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(
  `doctor estimate vs apply: ${options.runs} runs, emulator --latency ${options.latency}, --concurrency ${options.concurrency}; ` +
    `${cpus().length} cores, load ${loadavg()[0].toFixed(2)}`,
);
console.table(rows);
if (rows.some((r) => !r.within20pct)) process.exitCode = 1;

async function measure(name, extra) {
  const emulator = await startEmulatorProcess({ latencyMs: options.latency });
  try {
    const manifest = join(dir, `${name}.csv`);
    await writeManifest(manifest, name, options.runs);
    const common = ["--concurrency", String(options.concurrency), ...extra];
    const fromManifest = await doctorEstimate(emulator.url, [manifest, ...common]);
    const fromN = await doctorEstimate(emulator.url, [
      "--estimate",
      String(options.runs),
      ...common,
    ]);
    await emulator.ask("reset"); // count the apply's requests only
    const apply = await runCli(emulator.url, ["apply", manifest, "--no-progress", ...common]);
    if (apply.code !== 0) throw new Error(`apply failed (${apply.code}): ${apply.stderr}`);
    const stats = await emulator.ask("stats");
    const ratio = fromManifest.seconds / apply.seconds;
    return {
      scenario: name,
      "estimate (manifest) s": round(fromManifest.seconds),
      "estimate (--estimate N) s": round(fromN.seconds),
      "estimated requests": fromManifest.requests,
      "apply s": round(apply.seconds),
      "apply requests": stats.total,
      "latency measured ms": round(fromManifest.latencyMs),
      "estimate / apply": round(ratio),
      within20pct: Math.abs(ratio - 1) <= TOLERANCE,
    };
  } finally {
    await emulator.close();
  }
}

async function doctorEstimate(url, args) {
  const result = await runCli(url, ["doctor", "--format", "json", ...args]);
  const report = JSON.parse(result.stdout);
  const backfill = report.checks.find((c) => c.id === "estimate.backfill");
  if (backfill === undefined) throw new Error(`no estimate: ${result.stdout}`);
  return backfill.data;
}

function round(n) {
  return Math.round(n * 100) / 100;
}

function readOptions(argv) {
  const get = (flag, fallback) => {
    const i = argv.indexOf(flag);
    return i === -1 ? fallback : Number(argv[i + 1]);
  };
  return {
    runs: get("--runs", 3000),
    latency: get("--latency", 20),
    concurrency: get("--concurrency", 8),
    maxRps: get("--max-rps", 200),
  };
}
