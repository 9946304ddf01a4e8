// Benchmark of a wide sheet (issue 11): 10,000 runs × 400 `metadata.*` columns must plan and
// apply with the CLI's peak RSS ≤ 300 MB.
//
//   npm run bench:wide                            # 10,000 runs × 400 columns
//   node bench/wide.mjs --runs 2000 --columns 100 # smaller (after npm run build)
//   node bench/wide.mjs --check                   # exit 1 when a step misses the target
//
// Six steps, each the real CLI in a child process (node startup included) against the
// emulator in a process of its own, so that the emulator's memory (it holds every run, ~1 GB
// here) is never counted as the CLI's: plan and apply an empty organization (10,000 creates,
// the 400 keys created by their first use, as Sift does), then plan the same again (every
// lookup answers 400 metadata values per run) and apply a revision that changes one value in
// every tenth run (1,000 updates); last, a saved plan changing them back (`plan --out`) and
// `apply --plan` of it. Prints each step's peak RSS, wall time and the load.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startEmulatorProcess } from "./processes.mjs";

const TARGET_PEAK_RSS_MB = 300;

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const runs = value("runs", 10_000);
const columns = value("columns", 400);
const latency = value("latency", 0);
const check = args.includes("--check");
const keep = args.includes("--keep");

const TYPES = ["string", "number", "boolean"];
const START_SECONDS = Date.UTC(2022, 0, 1) / 1000;

function header() {
  const keys = Array.from(
    { length: columns },
    (_, k) => `metadata.wide_${String(k).padStart(3, "0")}:${TYPES[k % 3]}`,
  );
  return ["clientKey", "name", "startTime", "stopTime", "assets", "tags", ...keys].join(",");
}

/** Row `i`; `revision` 1 changes one metadata value of every tenth run. */
function row(i, revision) {
  const iso = (s) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;
  const start = START_SECONDS + i * 600;
  const cells = [
    `wide-${String(i).padStart(6, "0")}`,
    `Wide run ${i}`,
    iso(start),
    iso(start + 300),
    "stand-a",
    "wide;bench",
  ];
  for (let k = 0; k < columns; k++) {
    const revised = revision > 0 && i % 10 === 0 && k === 1;
    if (k % 3 === 0) cells.push(`value ${(i * 7 + k) % 1000}`);
    else if (k % 3 === 1) cells.push(String(((i + k) % 5000) * 1.5 + (revised ? 0.25 : 0)));
    else cells.push((i + k) % 2 === 0 ? "true" : "false");
  }
  return cells.join(",");
}

async function writeSheet(path, revision) {
  const out = createWriteStream(path);
  let buffer = `${header()}\n`;
  for (let i = 0; i < runs; i++) {
    buffer += `${row(i, revision)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((resolve) => out.once("drain", resolve));
      buffer = "";
    }
  }
  out.end(buffer);
  await new Promise((resolve, reject) => out.on("finish", resolve).on("error", reject));
}

const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-wide-"));
const emulator = await startEmulatorProcess({ latencyMs: latency });
const results = [];
try {
  const sheets = [join(dir, "wide.csv"), join(dir, "wide-revised.csv")];
  process.stdout.write(`generating ${runs.toLocaleString("en-US")} runs × ${columns} columns... `);
  await writeSheet(sheets[0], 0);
  await writeSheet(sheets[1], 1);
  const { size } = await stat(sheets[0]);
  process.stdout.write(`${(size / 1024 / 1024).toFixed(1)} MiB\n`);

  const steps = [
    { name: "plan (all create)", args: ["plan", sheets[0], "--out", join(dir, "plan.json")] },
    { name: "apply (all create)", args: ["apply", sheets[0]] },
    { name: "plan (no change)", args: ["plan", sheets[0], "--out", join(dir, "plan2.json")] },
    { name: "apply (10% update)", args: ["apply", sheets[1]] },
    // The reviewed-plan workflow: the same 1,000 runs changed back, saved, then applied.
    { name: "plan --out (10%)", args: ["plan", sheets[0], "--out", join(dir, "back.json")] },
    { name: "apply --plan (10%)", args: ["apply", "--plan", join(dir, "back.json")] },
  ];
  for (const step of steps) {
    const loadBefore = loadavg()[0];
    const common = ["--results", join(dir, "results.csv")];
    const stepArgs = step.args[0] === "apply" ? [...step.args, ...common] : step.args;
    const result = await runCli(emulator.url, [...stepArgs, "--no-progress"]);
    if (result.code !== 0) {
      process.stderr.write(result.stderr.slice(-4000));
      throw new Error(`${step.name} exited with ${result.code}`);
    }
    const summary = result.stdout.trim().split("\n").at(-1);
    results.push({ ...step, ...result, loadBefore, summary });
    console.log(
      `${step.name.padEnd(20)} peak RSS ${result.maxRssMB.toFixed(0).padStart(4)} MB` +
        `  wall ${result.seconds.toFixed(1).padStart(6)} s  cpu ${result.cpuSeconds.toFixed(1)} s` +
        `  load ${loadBefore.toFixed(2)}  │ ${summary.slice(0, 100)}`,
    );
  }
  const usage = await emulator.ask("usage");
  console.log(`emulator process (not counted above): peak RSS ${usage.maxRssMB.toFixed(0)} MB`);
  const worst = Math.max(...results.map((r) => r.maxRssMB));
  const met = worst <= TARGET_PEAK_RSS_MB;
  console.log(
    `CLI peak RSS: ${worst.toFixed(0)} MB (target ≤ ${TARGET_PEAK_RSS_MB} MB: ${met ? "met" : "MISSED"}); load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  if (check && !met) process.exitCode = 1;
} finally {
  await emulator.close();
  if (keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
