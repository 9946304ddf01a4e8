// The bench's runs, generated from their index so the CLI's manifests, the emulator's seed
// and the run-by-run reference all describe the same runs without passing them around.
import { createWriteStream } from "node:fs";

export const ASSETS = ["stand-a", "stand-b", "rig-7"];
export const METADATA_KEYS = { campaign: "string", altitude_m: "number", passed: "boolean" };
/** What every bench emulator starts with: the assets and keys the runs use. */
export const BASE_SEED = {
  assets: ASSETS.map((name) => ({ name, assetId: `asset-${name}` })),
  metadataKeys: METADATA_KEYS,
};

const HEADER =
  "clientKey,name,description,startTime,stopTime,assets,tags," +
  "metadata.campaign,metadata.altitude_m:number,metadata.passed:boolean";
const START_SECONDS = Date.UTC(2021, 0, 1) / 1000;

/**
 * Run `i` under `prefix`. `revision` 1 changes one run in ten: the name of each, and the
 * altitude too for every other one of those ("one or two fields").
 */
export function benchRun(prefix, i, revision = 0) {
  const start = START_SECONDS + i * 600;
  const changed = revision > 0 && i % 10 === 0;
  return {
    clientKey: `${prefix}-${String(i).padStart(6, "0")}`,
    name: changed ? `Backfill run ${i} (revised)` : `Backfill run ${i}`,
    description: "historical test stand data",
    startTime: isoSeconds(start),
    stopTime: isoSeconds(start + 300),
    assets: [ASSETS[i % 3], ASSETS[(i + 1) % 3]],
    tags: i % 2 === 0 ? ["backfill", "bench"] : ["backfill"],
    metadata: {
      campaign: `campaign-${i % 12}`,
      altitude_m: changed && i % 20 === 0 ? 9999.5 : (i % 5000) * 1.5,
      passed: i % 3 !== 0,
    },
  };
}

/** True when `benchRun(prefix, i, 1)` differs from revision 0. */
export function isRevised(i) {
  return i % 10 === 0;
}

function isoSeconds(seconds) {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** The CSV header and one run's row, as writeManifest writes them (bench/nightly.mjs edits rows). */
export const CSV_HEADER = HEADER;
export function csvRow(run) {
  return csvLine(run);
}

function csvLine(run) {
  const m = run.metadata;
  return [
    run.clientKey,
    run.name,
    run.description,
    run.startTime,
    run.stopTime,
    run.assets.join(";"),
    run.tags.join(";"),
    m.campaign,
    String(m.altitude_m),
    String(m.passed),
  ].join(",");
}

/** Writes runs `0..count-1` as one CSV manifest, streamed (200,000 rows stay small). */
export async function writeManifest(path, prefix, count, revision = 0) {
  const out = createWriteStream(path);
  let buffer = `${HEADER}\n`;
  for (let i = 0; i < count; i++) {
    buffer += `${csvLine(benchRun(prefix, i, revision))}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((resolve) => out.once("drain", resolve));
      buffer = "";
    }
  }
  out.end(buffer);
  await new Promise((resolve, reject) => out.on("finish", resolve).on("error", reject));
}

/** The emulator seed holding runs `0..count-1` as they are after a sync of revision 0. */
export function seedRuns(prefix, from, count, fieldsOf = () => ({})) {
  const runs = [];
  for (let i = from; i < from + count; i++) {
    const run = benchRun(prefix, i);
    runs.push({ ...run, isAdhoc: true, ...fieldsOf(i) });
  }
  return { runs };
}
