// The `--state` benchmark of issue 10: `npm run bench:state` (builds, then runs this).
//
//   node bench/state.mjs [--runs 50000] [--client cli|raw|both] [--repeat 1] [--dir DIR] [--check]
//                        [--state-sync write|disk]   (the emulator's --state-sync; default write)
//
// `--runs` creates against an emulator in its own process, once with the state in memory and
// once with `--state FILE` (in DIR, default the system's temporary directory: keep it on a
// real disk, where fsync costs what it costs), alternating when repeated (median reported):
// - cli: the real CLI (its default concurrency, 8 requests in flight) applies a manifest of
//   that many new runs; rate = runs / wall time of the whole apply, spawn to exit. This is the
//   figure of the issue (target: --state ≥ 0.8 × in memory); `--check` exits 1 below it.
// - raw: 8 concurrent HTTP clients send the same CreateAdhocRun requests and nothing else,
//   so the emulator's own cost per write shows undiluted by the CLI's; the rates of the first
//   and the last tenth of the creates show whether a write costs more as the state grows.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { API_KEY, runCli, startEmulatorProcess } from "./processes.mjs";
import { createBody } from "./run-by-run.mjs";
import { ASSETS, BASE_SEED, benchRun, writeManifest } from "./runs.mjs";

const TARGET_RATIO = 0.8;
/** The CLI's default `--concurrency`, and so the raw clients' number. */
const CONCURRENCY = 8;
const WARM_UP_READS = 2000;

const options = readOptions(process.argv.slice(2));
const dir = await mkdtemp(join(options.dir, "sift-run-sync-bench-state-"));
const clients = options.client === "both" ? ["cli", "raw"] : [options.client];
let missed = false;
try {
  const manifest = join(dir, "runs.csv");
  if (clients.includes("cli")) await writeManifest(manifest, "state", options.runs);
  console.log(
    `${options.runs} creates, ${CONCURRENCY} in flight, emulator in its own process, --state-sync ${options.stateSync}`,
  );
  for (const client of clients) {
    const load = loadavg()[0];
    const memory = [];
    const state = [];
    for (let repeat = 0; repeat < options.repeat; repeat++) {
      memory.push(await measure(client, manifest, undefined));
      state.push(await measure(client, manifest, join(dir, `state-${client}-${repeat}.json`)));
    }
    const [m, s] = [median(memory), median(state)];
    const ratio = s.rate / m.rate;
    const met = ratio >= TARGET_RATIO;
    if (client === "cli" && !met) missed = true;
    console.log(`${client === "cli" ? "through the CLI (apply)" : "raw HTTP (CreateAdhocRun)"}:`);
    console.log(`  in memory:    ${line(m)}`);
    console.log(`  --state FILE: ${line(s)}; snapshot after close ${s.snapshotMB.toFixed(1)} MB`);
    console.log(
      `  ratio: ${ratio.toFixed(2)}` +
        (client === "cli" ? ` (target ≥ ${TARGET_RATIO}: ${met ? "met" : "MISSED"})` : ""),
    );
    console.log(`  load average: ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
  }
  if (options.check && missed) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** One run of `options.runs` creates against a fresh emulator, with or without a state file. */
async function measure(client, manifest, statePath) {
  const emulator = await startEmulatorProcess(
    statePath === undefined ? {} : { statePath, stateSync: options.stateSync },
  );
  const timing = await (
    client === "cli" ? applyManifest(emulator.url, manifest) : postRaw(emulator.url)
  ).catch(async (error) => {
    await emulator.close();
    throw error;
  });
  const closing = performance.now();
  await emulator.close();
  const closeSeconds = (performance.now() - closing) / 1000;
  const snapshotMB = statePath === undefined ? 0 : (await stat(statePath)).size / 2 ** 20;
  return { ...timing, rate: options.runs / timing.seconds, closeSeconds, snapshotMB };
}

async function applyManifest(url, manifest) {
  const run = await runCli(url, ["apply", manifest, "--no-progress"]);
  if (run.code !== 0 || !run.stdout.includes(`${options.runs} created`)) {
    throw new Error(`apply exited with ${run.code}: ${run.stdout}${run.stderr.slice(0, 2000)}`);
  }
  return { seconds: run.seconds };
}

async function postRaw(url) {
  const assetIds = new Map(BASE_SEED.assets.map((a) => [a.name, a.assetId]));
  if (assetIds.size !== ASSETS.length) throw new Error("bench seed without asset ids");
  // Warm up this process's HTTP client (and the emulator's request path) with reads, so
  // the first measurement does not pay for the JIT alone.
  const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
  const warmUp = async () => {
    for (let i = 0; i < WARM_UP_READS / CONCURRENCY; i++) {
      await (await fetch(`${url}/api/v1/assets`, { headers })).text();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, warmUp));
  let next = 0;
  let done = 0;
  const tenth = Math.max(1, Math.floor(options.runs / 10));
  const marks = {};
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < options.runs; i = next++) {
      const response = await fetch(`${url}/api/v2/runs:adhoc`, {
        method: "POST",
        headers,
        body: JSON.stringify(createBody(benchRun("raw", i), assetIds)),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`create ${i}: ${response.status} ${text}`);
      done++;
      if (done === tenth) marks.firstTenth = performance.now();
      if (done === options.runs - tenth) marks.lastTenth = performance.now();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ended = performance.now();
  // Does a write cost more as the state grows? The first tenth's rate against the last's.
  const firstRate = tenth / ((marks.firstTenth - started) / 1000);
  const lastRate = tenth / ((ended - marks.lastTenth) / 1000);
  return { seconds: (ended - started) / 1000, firstRate, lastRate };
}

function median(measurements) {
  const sorted = [...measurements].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function line({ seconds, rate, closeSeconds, firstRate, lastRate }) {
  const close = `emulator close ${closeSeconds.toFixed(2)} s`;
  const tenths =
    firstRate === undefined
      ? ""
      : `; first tenth ${firstRate.toFixed(0)}/s, last tenth ${lastRate.toFixed(0)}/s`;
  return `${rate.toFixed(0)} runs/s (${seconds.toFixed(1)} s${tenths}; ${close})`;
}

function readOptions(args) {
  const found = {
    runs: 50_000,
    client: "both",
    repeat: 1,
    dir: tmpdir(),
    check: false,
    stateSync: "write",
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--check") found.check = true;
    else if (arg === "--runs") found.runs = Number(args[++i]);
    else if (arg === "--repeat") found.repeat = Number(args[++i]);
    else if (arg === "--client") found.client = args[++i];
    else if (arg === "--dir") found.dir = args[++i];
    else if (arg === "--state-sync") found.stateSync = args[++i];
    else throw new Error(`unknown option ${arg} (see the head of bench/state.mjs)`);
  }
  for (const name of ["runs", "repeat"]) {
    if (!(Number.isInteger(found[name]) && found[name] > 0)) {
      throw new Error(`--${name}: a whole number > 0`);
    }
  }
  if (!["cli", "raw", "both"].includes(found.client)) throw new Error("--client: cli, raw or both");
  if (!["write", "disk"].includes(found.stateSync)) throw new Error("--state-sync: write or disk");
  return found;
}
