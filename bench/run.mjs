// The performance benchmark of issue 6: `npm run bench` (builds, then runs this).
//
//   node bench/run.mjs [--runs 5000] [--reference 500] [--large 200000] [--concurrency 16]
//                      [--latency 20] [--only 1,2,3,4,5] [--out bench/results.json] [--cpu-prof DIR]
//                      [--quiet LOAD]  (wait until the load average is below LOAD before each measurement)
//                      [--index-runs 1000000]  (the emulator index check of scenario 5; 0 skips it)
//                      [--repeat 3]  (scenarios 1–4 run this many times; the median wall time is reported)
//                      [--check]  (exit 1 when a target of issue 6 is missed)
//
// Each scenario runs the real CLI in a child process against the emulator in another process
// (`--latency` ms per request), counts the requests the emulator received by kind, and compares
// the wall time with the bound T_min = ceil(requests / concurrency) × latency. Scenarios 1–3 also
// time the run-by-run reference strategy (bench/run-by-run.mjs) on a subset of runs in the same
// emulator, extrapolated per run to the full count.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { InFilterBatch } from "../dist/sift/in-filter.js";
import { filterBudget } from "../dist/sift/in-filter.js";
import { runCli, startEmulatorProcess } from "./processes.mjs";
import { measureCreateFloor, measureFloor } from "./floor.mjs";
import { createBody, syncRunByRun } from "./run-by-run.mjs";
import { benchRun, writeManifest } from "./runs.mjs";
import { printTable } from "./table.mjs";

const execFileAsync = promisify(execFile);
/** `--quiet`: the longest wait for the machine to calm down before a measurement. */
const QUIET_WAIT_MS = 10 * 60_000;

const options = readOptions(process.argv.slice(2));
const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-bench-"));
const results = [];
const loadBefore = loadavg()[0];
try {
  const only = (n) => options.only.includes(n);
  if (only(1) || only(2) || only(3)) results.push(...(await runNightly()));
  if (only(4)) results.push(await runThrottled());
  if (only(5)) results.push(await whenQuiet(runLarge));
} finally {
  await rm(dir, { recursive: true, force: true });
}
printTable(results, { ...options, loadBefore, loadAfter: loadavg()[0] });
const out = options.out;
await writeFile(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), ...machine(), options, results }, null, 2)}\n`,
);
console.log(`\nwritten: ${out}`);
if (options.check && results.some((r) => r.pass === false)) process.exitCode = 1;

/** Scenarios 1–3 share one emulator: cold backfill, then the same again, then 10% changed. */
async function runNightly() {
  const emulator = await startEmulatorProcess({ latencyMs: options.latency }, emulatorOptions());
  const found = [];
  try {
    const n = options.runs;
    const refCount = Math.min(options.reference, n);
    const refRuns = (revision) =>
      Array.from({ length: refCount }, (_, i) => benchRun("ref", i, revision));
    const assetIds = await listAssetIds(emulator.url);
    const steps = [
      { id: 1, name: "cold backfill", revision: 0, expectWrites: n },
      { id: 2, name: "nightly no-op", revision: 0, expectWrites: 0 },
      { id: 3, name: "nightly 10%", revision: 1, expectWrites: n / 10 },
    ];
    // Each step's state depends on the steps before it: every repetition runs them all, on
    // runs of its own (another clientKey prefix), and the median of each step is reported.
    const measured = new Map(steps.map((step) => [step.id, []]));
    for (let repeat = 1; repeat <= options.repeat; repeat++) {
      const prefix = repeat === 1 ? "bench" : `bench${repeat}`;
      const manifests = [join(dir, `${prefix}-cold.csv`), join(dir, `${prefix}-revised.csv`)];
      await writeManifest(manifests[0], prefix, n);
      await writeManifest(manifests[1], prefix, n, 1);
      for (const step of steps) {
        const one = await whenQuiet(() => measureApply(emulator, manifests[step.revision]));
        one.floorSeconds = await whenQuiet(() =>
          measureFloor(emulator.url, one.requests.total, options.concurrency),
        );
        if (step.id === 1) {
          // The same creates by the bare loop, of runs of their own (another clientKey prefix).
          const bodies = Array.from({ length: one.writes }, (_, i) =>
            createBody(benchRun(`${prefix}-floor`, i), assetIds),
          );
          const others = one.requests.total - one.writes;
          one.createFloorSeconds = await whenQuiet(() =>
            measureCreateFloor(emulator.url, bodies, others, options.concurrency),
          );
        }
        measured.get(step.id).push({ ...one, prefix });
      }
    }
    for (const step of steps) {
      await emulator.ask("reset");
      const reference = await whenQuiet(() =>
        syncRunByRun(emulator.url, refRuns(step.revision), assetIds),
      );
      const perRun = reference.seconds / refCount;
      const median = medianByWall(measured.get(step.id));
      const result = {
        ...median,
        id: step.id,
        scenario: step.name,
        runs: n,
        reference: {
          runs: refCount,
          seconds: reference.seconds,
          requests: reference.requests,
          extrapolatedSeconds: perRun * n,
          note: `run-by-run timed on ${refCount} runs, extrapolated per run to ${n}`,
        },
        speedUp: (perRun * n) / median.wallSeconds,
      };
      judgeNightly(result, step, emulator.url);
      if (options.only.includes(step.id)) found.push(result);
    }
  } finally {
    await emulator.close();
  }
  return found;
}

/** Scenario 4: creates against an API that answers 429 above `--rps 100`. */
async function runThrottled() {
  const rps = 100;
  const n = 2000;
  const emulator = await startEmulatorProcess(
    { latencyMs: options.latency, rps },
    emulatorOptions(),
  );
  try {
    const all = [];
    for (let repeat = 1; repeat <= options.repeat; repeat++) {
      const manifest = join(dir, `throttled-${repeat}.csv`);
      await writeManifest(manifest, `throttled${repeat}`, n);
      all.push(await whenQuiet(() => measureApply(emulator, manifest)));
    }
    const measured = medianByWall(all);
    const limitSeconds = 1.25 * (n / rps);
    const result = {
      ...measured,
      id: 4,
      scenario: `throttled (--rps ${rps})`,
      runs: n,
      rps,
      rateBoundSeconds: (measured.requests.total - measured.requests.throttled) / rps,
    };
    // Here the API's rate, not its latency, is the bound: compare with it.
    result.tMinSeconds = Math.max(result.tMinSeconds, result.rateBoundSeconds);
    result.ratio = result.wallSeconds / result.tMinSeconds;
    const failed = measured.summary?.failed ?? Number.NaN;
    result.targets = [
      check(`failed rows = 0 (got ${failed})`, failed === 0 && measured.code === 0),
      check(
        `wall ≤ 1.25 × ${n}/${rps} s = ${limitSeconds} s`,
        measured.wallSeconds <= limitSeconds,
      ),
    ];
    result.pass = result.targets.every((t) => t.pass);
    return result;
  } finally {
    await emulator.close();
  }
}

/** Scenario 5: plan a large manifest against an emulator that already holds every run. */
async function runLarge() {
  const n = options.large;
  const emulator = await startEmulatorProcess({ latencyMs: options.latency }, emulatorOptions());
  try {
    const manifest = join(dir, "large.csv");
    await writeManifest(manifest, "large", n);
    await emulator.ask("load", { prefix: "large", count: n });
    const lookupMs = await timeLookup(emulator, "large", n);
    await emulator.ask("reset");
    const load = loadavg()[0];
    const before = await emulator.ask("usage");
    const run = await runCli(
      emulator.url,
      ["plan", manifest, "--cache", join(dir, "large-cache"), ...cliFlags()],
      cliOptions("large"),
    );
    const after = await emulator.ask("usage");
    const stats = await emulator.ask("stats");
    if (run.code !== 0) throw new Error(`plan exited with ${run.code}: ${run.stderr}`);
    const emulatorCpuSeconds = after.cpuSeconds - before.cpuSeconds;
    const index = options.indexRuns > 0 ? await checkIndex(options.indexRuns) : undefined;
    const result = {
      ...measureOf(run, stats, load),
      id: 5,
      scenario: "large plan",
      runs: n,
      runsPerSecond: n / run.seconds,
      emulator: { cpuSeconds: emulatorCpuSeconds, lookupServerMs: lookupMs, index },
    };
    result.targets = [
      check(`peak RSS ≤ 300 MB (got ${result.maxRssMB.toFixed(0)})`, result.maxRssMB <= 300),
      check(
        `emulator not the bottleneck: one full lookup batch over ${n} runs in ${lookupMs.toFixed(1)} ms (< 50), emulator CPU ${emulatorCpuSeconds.toFixed(1)} s of ${run.seconds.toFixed(1)} s wall`,
        lookupMs < 50 && emulatorCpuSeconds < 0.5 * run.seconds,
      ),
      check("zero writes", stats.writes === 0),
    ];
    if (index !== undefined) {
      result.targets.push(
        check(
          `client_key in [${index.keys} keys] over ${index.runs.toLocaleString("en-US")} runs: ${index.medianMs} ms (well under 50: < 25)`,
          index.medianMs < 25,
        ),
      );
    }
    result.pass = result.targets.every((t) => t.pass);
    return result;
  } finally {
    await emulator.close();
  }
}

/** bench/index-check.mjs in a process of its own (a million runs take ~1.5 GB). */
async function checkIndex(runs) {
  const script = fileURLToPath(new URL("./index-check.mjs", import.meta.url));
  const { stdout } = await execFileAsync(
    process.execPath,
    ["--max-old-space-size=8192", script, "--runs", String(runs)],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1));
}

async function measureApply(emulator, manifest) {
  await emulator.ask("reset");
  const load = loadavg()[0];
  const before = await emulator.ask("usage");
  // NOTE: the sync cache in this run's temporary directory: a `.sift-run-sync/` of the
  // directory the bench runs in would carry one run's cache into the next.
  const cache = join(dir, "sync-cache");
  const args = ["apply", manifest, "--format", "json", "--cache", cache, ...cliFlags()];
  const run = await runCli(emulator.url, args, cliOptions(manifest));
  const after = await emulator.ask("usage");
  const stats = await emulator.ask("stats");
  const summary = parseSummary(run.stdout);
  if (run.code !== 0 && summary === undefined) {
    throw new Error(`apply exited with ${run.code}: ${run.stderr.slice(0, 2000)}`);
  }
  return {
    ...measureOf(run, stats, load),
    summary,
    emulator: { cpuSeconds: after.cpuSeconds - before.cpuSeconds },
  };
}

/** The measurement with the median wall time, holding every repetition's wall time. */
function medianByWall(measurements) {
  const sorted = [...measurements].sort((a, b) => a.wallSeconds - b.wallSeconds);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return { ...median, repeats: measurements.map((m) => Number(m.wallSeconds.toFixed(3))) };
}

function measureOf(run, stats, load) {
  const total = stats.total;
  const tMinSeconds = (Math.ceil(total / options.concurrency) * options.latency) / 1000;
  const byKind = Object.fromEntries(Object.entries(stats.requests).filter(([, c]) => c > 0));
  return {
    code: run.code,
    loadAverage: Number(load.toFixed(2)),
    wallSeconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    maxRssMB: run.maxRssMB,
    requests: { total, byKind, throttled: stats.throttled },
    writes: stats.writes,
    maxInFlight: stats.maxInFlight,
    tMinSeconds,
    ratio: run.seconds / tMinSeconds,
  };
}

function judgeNightly(result, step, url) {
  const targets = [];
  if (step.id === 2) {
    const batch = lookupBatchSize(url, result.prefix);
    const limit = Math.ceil(result.runs / batch) + 3;
    targets.push(check(`zero writes (got ${result.writes})`, result.writes === 0));
    targets.push(
      check(
        `requests ≤ ceil(${result.runs}/${batch}) + 3 = ${limit} (got ${result.requests.total})`,
        result.requests.total <= limit,
      ),
    );
    targets.push(check("wall ≤ 1.5 s", result.wallSeconds <= 1.5));
  } else {
    targets.push(
      check(
        `writes = ${step.expectWrites} (got ${result.writes})`,
        result.writes === step.expectWrites,
      ),
    );
    targets.push(check("wall ≤ 1.3 × T_min", result.ratio <= 1.3));
    targets.push(check("≥ 25× faster than run-by-run", result.speedUp >= 25));
  }
  result.targets = targets;
  result.pass = targets.every((t) => t.pass);
}

/** How many of the bench's clientKeys one `client_key in [...]` lookup holds, as the CLI batches. */
function lookupBatchSize(url, prefix) {
  const batch = new InFilterBatch("client_key", filterBudget({ baseUrl: url }, "ListRuns"));
  let i = 0;
  while (batch.tryAdd(benchRun(prefix, i).clientKey)) i++;
  return i;
}

/** The emulator's own time for one full lookup batch: median of a few, latency taken off. */
async function timeLookup(emulator, prefix, n) {
  const budget = filterBudget({ baseUrl: emulator.url }, "ListRuns");
  const times = [];
  for (let round = 0; round < 9; round++) {
    const batch = new InFilterBatch("client_key", budget);
    for (let i = Math.floor((n / 9) * round); batch.tryAdd(benchRun(prefix, i).clientKey); i++);
    const query = new URLSearchParams({ filter: batch.filter(), pageSize: "1000" });
    const started = performance.now();
    const response = await fetch(`${emulator.url}/api/v2/runs?${query}`, {
      headers: { authorization: "Bearer local" },
    });
    const body = await response.json();
    if (!response.ok || body.runs.length !== batch.size) throw new Error("lookup check failed");
    times.push(performance.now() - started - options.latency);
  }
  times.sort((a, b) => a - b);
  return Math.max(0, times[Math.floor(times.length / 2)]);
}

async function listAssetIds(url) {
  const response = await fetch(`${url}/api/v1/assets?pageSize=1000`, {
    headers: { authorization: "Bearer local" },
  });
  const { assets } = await response.json();
  return new Map(assets.map((a) => [a.name, a.assetId]));
}

function parseSummary(stdout) {
  const line = stdout.trim().split("\n").at(-1);
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function cliFlags() {
  return ["--concurrency", String(options.concurrency), "--no-progress", "--log-level", "error"];
}

function cliOptions(name) {
  if (options.cpuProf === undefined) return {};
  const base = name.split("/").at(-1).replace(/\W+/g, "-");
  return {
    nodeArgs: [
      "--cpu-prof",
      "--cpu-prof-dir",
      options.cpuProf,
      "--cpu-prof-name",
      `${base}-${Date.now()}.cpuprofile`,
    ],
  };
}

/** Where the figures were measured: they depend on the cores and on what else was running. */
function machine() {
  return {
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/**
 * With `--quiet LOAD`, waits (up to QUIET_WAIT_MS) until the 1-minute load average is below
 * LOAD before a measurement: on a small machine, other processes change the figures a lot.
 */
async function whenQuiet(measure) {
  if (options.quiet === undefined) return measure();
  const until = Date.now() + QUIET_WAIT_MS;
  while (loadavg()[0] >= options.quiet && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return measure();
}

/** With `--cpu-prof DIR`, the emulator writes its profile there too (emulator-*.cpuprofile). */
function emulatorOptions() {
  if (options.cpuProf === undefined) return {};
  const name = `emulator-${Date.now()}.cpuprofile`;
  return { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", options.cpuProf, "--cpu-prof-name", name] };
}

function check(label, pass) {
  return { label, pass };
}

function readOptions(args) {
  const value = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  return {
    runs: Number(value("runs", 5000)),
    reference: Number(value("reference", 500)),
    large: Number(value("large", 200_000)),
    concurrency: Number(value("concurrency", 16)),
    latency: Number(value("latency", 20)),
    only: String(value("only", "1,2,3,4,5")).split(",").map(Number),
    out: value("out", fileURLToPath(new URL("./results.json", import.meta.url))),
    cpuProf: value("cpu-prof", undefined),
    indexRuns: Number(value("index-runs", 1_000_000)),
    repeat: Math.max(1, Number(value("repeat", 3))),
    check: args.includes("--check"),
    quiet: value("quiet", undefined) === undefined ? undefined : Number(value("quiet")),
  };
}
