// Benchmark of `sift-run-sync validate` on a large CSV manifest (see issue 3, "Scale").
//
//   npm run bench:manifest                 # 1,000,000 rows
//   node bench/manifest.mjs --rows 200000  # fewer rows (after npm run build)
//   node bench/manifest.mjs --quoted       # every cell quoted: csv-parse's (slower) path
//   node bench/manifest.mjs --mapped       # an export read through a sift-run-sync.yaml mapping
//
// --mapped (issue 12): a `;`-separated Windows-1252 export with a title line, the export's
// own column names, local times "dd.MM.yyyy HH:mm:ss" in Europe/Berlin (DST changes included,
// dst: later), a decimal comma, a value map and templates, validated with `--config`.
// Generates the CSV in a temporary directory, runs the CLI on it in a child process (as a
// user would: node startup included) and prints rows per second (wall and CPU time), the
// load average around the run (the machine may be shared) and the child's peak RSS.
// Plain JS so Node 20 runs it without a TypeScript loader; it runs the built dist/.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "./processes.mjs";

const mapped = process.argv.includes("--mapped");
/** Issue 3 for our own CSV format; issue 12 for an export read through a mapping. */
const TARGET_ROWS_PER_SECOND = mapped ? 100_000 : 150_000;
const TARGET_PEAK_RSS_MB = 300;

const args = process.argv.slice(2);
const rows = Number(args[args.indexOf("--rows") + 1]) || 1_000_000;
const quoted = args.includes("--quoted");
const keep = args.includes("--keep");

const HEADER =
  "clientKey,name,description,startTime,stopTime,assets,tags,isPinned,isArchived," +
  "metadata.campaign,metadata.altitude_m:number,metadata.passed:boolean";
const ASSETS = ["stand-a", "stand-b", "rig-7", "vehicle-01", "vehicle-02"];
const START = Date.UTC(2020, 0, 1) / 1000;

/** One row; timestamps mostly UTC with and without fractions, one in ten with an offset. */
function row(i) {
  const start = START + i * 60;
  const iso = (s) => new Date(s * 1000).toISOString().slice(0, 19);
  const startTime = i % 10 === 9 ? `${iso(start + 7200)}+02:00` : `${iso(start)}Z`;
  const stopTime = i % 2 === 0 ? `${iso(start + 45)}.250Z` : `${iso(start + 50)}Z`;
  const cells = [
    `bench-${String(i).padStart(7, "0")}`,
    `Backfill run ${i}`,
    i % 3 === 0 ? "" : "historical test stand data",
    startTime,
    stopTime,
    i % 4 === 0 ? `${ASSETS[i % 5]};${ASSETS[(i + 1) % 5]}` : ASSETS[i % 5],
    i % 2 === 0 ? "backfill;bench" : "backfill",
    i % 7 === 0 ? "true" : "false",
    "",
    `campaign-${i % 12}`,
    String((i % 5000) * 1.5),
    i % 3 === 0 ? "yes" : "no",
  ];
  return (quoted ? cells.map((c) => `"${c}"`) : cells).join(",");
}

const EXPORT_HEADER = "Test ID;Test Name;Start;End;Stand;Operator;Result;Temp (°C);Comment";
const OPERATORS = ["Ana", "Jürgen", "Li", "Ben"];
const RESULTS = ["PASS", "FAIL", "PASS", "N/A"];

/** One row of a test-stand export: European local times, decimal commas, NULL tokens. */
function exportRow(i) {
  const local = (s) => {
    const iso = new Date(s * 1000).toISOString();
    return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
  };
  const start = START + i * 60;
  return [
    String(100000 + i),
    `Hot fire ${i}`,
    local(start),
    local(start + 45),
    i % 4 === 0 ? `${ASSETS[i % 5]},${ASSETS[(i + 1) % 5]}` : ASSETS[i % 5],
    OPERATORS[i % 4],
    RESULTS[i % 4],
    i % 5 === 0 ? "NULL" : `${i % 40},${i % 10}`,
    i % 9 === 0 ? "re-run" : "",
  ].join(";");
}

const MAPPING = `version: 1
sources:
  - path: teststand.csv
    csv: { delimiter: ";", encoding: windows-1252, skipLines: 1 }
    nulls: ["NULL", "N/A"]
    timezone: Europe/Berlin
    timeFormat: "dd.MM.yyyy HH:mm:ss"
    dst: later
    fields:
      clientKey: "TS-{Test ID}"
      name: Test Name
      startTime: Start
      stopTime: End
      assets: { column: Stand, separator: "," }
      tags: { value: [teststand] }
      description: { template: "Operator {Operator} on {Stand}" }
      metadata:
        operator: Operator
        passed: { column: Result, type: boolean, map: { PASS: true, FAIL: false } }
        chamber_temp_c: { column: "Temp (°C)", type: number, decimal: "," }
    ignoreColumns: [Comment]
`;

async function writeManifest(path) {
  const out = createWriteStream(path);
  let buffer = mapped ? `Export of the test stand database\n${EXPORT_HEADER}\n` : `${HEADER}\n`;
  // Windows-1252 and Latin-1 agree on every character written here.
  const write = (text) => out.write(mapped ? Buffer.from(text, "latin1") : text);
  for (let i = 0; i < rows; i++) {
    buffer += `${mapped ? exportRow(i) : row(i)}\n`;
    if (buffer.length > 1 << 20) {
      if (!write(buffer)) await new Promise((resolve) => out.once("drain", resolve));
      buffer = "";
    }
  }
  out.end(mapped ? Buffer.from(buffer, "latin1") : buffer);
  await new Promise((resolve, reject) => out.on("finish", resolve).on("error", reject));
}

const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-bench-"));
try {
  const path = join(dir, mapped ? "teststand.csv" : "backfill.csv");
  const kind = quoted ? " (all cells quoted)" : mapped ? " of a mapped export" : "";
  process.stdout.write(`generating ${rows.toLocaleString("en-US")} rows${kind}... `);
  if (mapped) await writeFile(join(dir, "sift-run-sync.yaml"), MAPPING);
  await writeManifest(path);
  const { size } = await stat(path);
  process.stdout.write(`${(size / 1024 / 1024).toFixed(1)} MiB\n`);

  const startup = await spawnCli(["--version"]);
  const loadBefore = loadavg()[0];
  const result = await spawnCli(
    mapped ? ["validate", "--config", join(dir, "sift-run-sync.yaml")] : ["validate", path],
  );
  if (result.code !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`validate exited with ${result.code}`);
  }
  const rate = rows / result.seconds;
  const verdict = (ok) => (ok ? "met" : "MISSED");
  console.log(
    `validate: ${result.seconds.toFixed(2)} s, of which ${startup.seconds.toFixed(2)} s is node and CLI startup (as for --version)`,
  );
  console.log(
    `rows/second: ${Math.round(rate).toLocaleString("en-US")} (target ≥ ${TARGET_ROWS_PER_SECOND.toLocaleString("en-US")}: ${verdict(rate >= TARGET_ROWS_PER_SECOND)})`,
  );
  // The machine is shared: wall time follows the load; CPU time much less so.
  console.log(
    `CPU: ${result.cpuSeconds.toFixed(2)} s, ${Math.round(rows / result.cpuSeconds).toLocaleString("en-US")} rows per CPU-second; load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`,
  );
  console.log(
    `peak RSS: ${result.maxRssMB.toFixed(0)} MB (target < ${TARGET_PEAK_RSS_MB} MB: ${verdict(result.maxRssMB < TARGET_PEAK_RSS_MB)})`,
  );
} finally {
  if (keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
