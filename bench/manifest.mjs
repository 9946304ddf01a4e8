// Benchmark of `sift-run-sync validate` on a large CSV manifest (see issue 3, "Scale").
//
//   npm run bench:manifest                 # 1,000,000 rows
//   node bench/manifest.mjs --rows 200000  # fewer rows (after npm run build)
//   node bench/manifest.mjs --quoted       # every cell quoted: csv-parse's (slower) path
//
// Generates the CSV in a temporary directory, runs the CLI on it in a child process (as a
// user would: node startup included) and prints rows per second and the child's peak RSS.
// Plain JS so Node 20 runs it without a TypeScript loader; it runs the built dist/.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "./processes.mjs";

const TARGET_ROWS_PER_SECOND = 150_000;
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

async function writeManifest(path) {
  const out = createWriteStream(path);
  let buffer = `${HEADER}\n`;
  for (let i = 0; i < rows; i++) {
    buffer += `${row(i)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((resolve) => out.once("drain", resolve));
      buffer = "";
    }
  }
  out.end(buffer);
  await new Promise((resolve, reject) => out.on("finish", resolve).on("error", reject));
}

const dir = await mkdtemp(join(tmpdir(), "sift-run-sync-bench-"));
try {
  const path = join(dir, "backfill.csv");
  process.stdout.write(
    `generating ${rows.toLocaleString("en-US")} rows${quoted ? " (all cells quoted)" : ""}... `,
  );
  await writeManifest(path);
  const { size } = await stat(path);
  process.stdout.write(`${(size / 1024 / 1024).toFixed(1)} MiB\n`);

  const startup = await spawnCli(["--version"]);
  const result = await spawnCli(["validate", path]);
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
  console.log(
    `peak RSS: ${result.maxRssMB.toFixed(0)} MB (target < ${TARGET_PEAK_RSS_MB} MB: ${verdict(result.maxRssMB < TARGET_PEAK_RSS_MB)})`,
  );
} finally {
  if (keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
