import { spawn } from "node:child_process";
import { createWriteStream, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, type SeedRun, startEmulator } from "../../src/emulator/index.js";
import { BIN } from "./support/processes.js";

/**
 * docs/performance.md (*Memory*) says the CLI's heap does not grow with the number of runs:
 * validate, plan, apply and export fit in a 64 MB heap (`--max-old-space-size=64`) whatever
 * the manifests' size. Here the CLI runs in that heap, as its own process, on inputs of the
 * documented size classes scaled down to seconds, but still too large to hold: 30,000 runs
 * kept as changes or results need more than 64 MB (a build whose planner kept every change
 * died with "heap out of memory" here at 30,000 runs, as at 40,000 and 60,000; one whose
 * validate kept every row died below 60,000 rows), so a command that held them would fail
 * instead of finishing. Apply writes 580 updates and 1,000 creates.
 */
const HEAP_LIMIT = "--max-old-space-size=64";
const VALIDATE_ROWS = 300_000;
/** Runs in the manifest; all but the last 1,000 are in the organization, one in fifty changed. */
const RUNS = 30_000;
const EXISTING = 29_000;
const ASSETS = ["stand-a", "stand-b", "rig-7"];

let dir: string;
let emulator: Emulator;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "heap-limit-"));
  emulator = await startEmulator({
    port: 0,
    seed: {
      assets: ASSETS.map((name) => ({ name, assetId: `asset-${name}` })),
      metadataKeys: { campaign: "string", altitude_m: "number", passed: "boolean" },
    },
  });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER =
  "clientKey,name,description,startTime,stopTime,assets,tags," +
  "metadata.campaign,metadata.altitude_m:number,metadata.passed:boolean";

/** Run `i` of `prefix`, as a manifest row and as a seed (what a sync of it left in Sift). */
function run(prefix: string, i: number, revised = false) {
  const start = Date.UTC(2021, 0, 1) / 1000 + i * 600;
  const iso = (s: number) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;
  return {
    clientKey: `${prefix}-${String(i).padStart(6, "0")}`,
    name: revised && i % 50 === 0 ? `Run ${i} (revised)` : `Run ${i}`,
    description: "historical test stand data",
    startTime: iso(start),
    stopTime: iso(start + 300),
    assets: [ASSETS[i % 3]!, ASSETS[(i + 1) % 3]!],
    tags: i % 2 === 0 ? ["backfill", "bench"] : ["backfill"],
    metadata: { campaign: `campaign-${i % 12}`, altitude_m: (i % 5000) * 1.5, passed: i % 3 !== 0 },
  };
}

async function writeManifest(path: string, rows: Iterable<ReturnType<typeof run>>): Promise<void> {
  const out = createWriteStream(path);
  let buffer = `${HEADER}\n`;
  for (const r of rows) {
    const m = r.metadata;
    buffer += `${[r.clientKey, r.name, r.description, r.startTime, r.stopTime, r.assets.join(";"), r.tags.join(";"), m.campaign, m.altitude_m, m.passed].join(",")}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      buffer = "";
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve, reject) =>
    out.on("finish", () => resolve()).on("error", reject),
  );
}

function* range<T>(from: number, to: number, map: (i: number) => T): Generator<T> {
  for (let i = from; i < to; i++) yield map(i);
}

/** The CLI in its own process, in the documented heap; stdout is read and dropped. */
function cliInHeap(
  args: string[],
): Promise<{ code: number | null; stdoutBytes: number; stderr: string }> {
  const child = spawn(process.execPath, [HEAP_LIMIT, BIN, ...args], {
    env: { ...process.env, SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdoutBytes = 0;
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdoutBytes += chunk.length));
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 1 << 16) stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on("close", (code) => resolve({ code, stdoutBytes, stderr }));
  });
}

// The two scenarios share nothing but the emulator, which validate does not use: they run
// concurrently, validate's CPU while plan and apply mostly wait on their requests.
describe.concurrent(`the CLI in a 64 MB heap (${HEAP_LIMIT})`, () => {
  it(`validates ${VALIDATE_ROWS.toLocaleString("en-US")} rows`, async () => {
    const manifest = join(dir, "validate.csv");
    await writeManifest(
      manifest,
      range(0, VALIDATE_ROWS, (i) => run("v", i)),
    );
    const result = await cliInHeap(["validate", manifest]);
    expect(result.stderr).not.toMatch(/heap out of memory/);
    expect(result.code, result.stderr).toBe(0);
  }, 120_000);

  // export runs in this heap too: test/export/export-memory.test.ts.
  it(`plans ${RUNS.toLocaleString("en-US")} runs, then applies them`, async () => {
    for (let from = 0; from < EXISTING; from += 1_000) {
      emulator.load({ runs: [...range(from, from + 1_000, (i) => run("p", i))] as SeedRun[] });
    }
    const manifest = join(dir, "runs.csv");
    await writeManifest(
      manifest,
      range(0, RUNS, (i) => run("p", i, true)),
    );

    const planned = await cliInHeap(["plan", manifest, "--format", "json"]);
    expect(planned.stderr).not.toMatch(/heap out of memory/);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdoutBytes).toBeGreaterThan(RUNS * 100); // every run is in the report

    const results = join(dir, "results.csv");
    const applied = await cliInHeap(["apply", manifest, "--results", results]);
    expect(applied.stderr).not.toMatch(/heap out of memory/);
    expect(applied.code, applied.stderr.slice(-2000)).toBe(0);
    expect(readFileSync(results, "utf8").trimEnd().split("\n")).toHaveLength(RUNS + 1);
    expect(emulator.runs()).toHaveLength(RUNS);
  }, 300_000);
});
