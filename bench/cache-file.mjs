// The sync cache file alone, as a warm night uses it (docs/performance.md, "The sync cache"):
//
//   node bench/cache-file.mjs [--entries 1000000] [--rounds 5]   (after npm run build)
//
// Writes a cache of N entries once, then per round, in a child process each (its own peak RSS):
// loads it, answers every row in sync and keeps it, saves it. Prints CPU and peak RSS per round.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const IDENTITY = {
  apiUrl: "u",
  organizationId: "o",
  fingerprint: "f",
  toolVersion: "1",
  optionHash: "h",
};
const RUN = {
  runId: "0b8f6a34-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
  modifiedDate: "2026-01-02T03:04:05.123Z",
};
const key = (i) => `night1000000-${String(i).padStart(6, "0")}`;
const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args[0] === "--round") {
  const { SyncCache } = await import("../dist/cache/sync-cache.js");
  const [path, entries] = [args[1], Number(args[2])];
  const started = process.cpuUsage();
  if (!existsSync(path)) {
    const cache = SyncCache.empty(IDENTITY);
    cache.beginEpoch({ highWaterMark: "2026-01-02T00:00:00Z", refreshedAt: Date.now() });
    for (let i = 0; i < entries; i++) cache.record(key(i), i, RUN);
    cache.save(path);
  } else {
    const { cache } = SyncCache.load(path, IDENTITY);
    cache.beginEpoch({ highWaterMark: "2026-01-03T00:00:00Z", refreshedAt: Date.now() });
    for (let i = 0; i < entries; i++) {
      if (cache.inSync(key(i), i) === undefined) throw new Error(`entry ${i} lost`);
      cache.keepAnswered(key(i));
    }
    cache.save(path);
  }
  const cpu = process.cpuUsage(started);
  const rssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMB }));
} else {
  const entries = Number(value("entries", 1_000_000));
  const rounds = Number(value("rounds", 5));
  const dir = mkdtempSync(join(tmpdir(), "sift-run-sync-cache-file-"));
  const path = join(dir, "runs.srscache");
  const round = () => {
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), "--round", path, String(entries)],
      {
        encoding: "utf8",
      },
    );
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  };
  try {
    const first = round();
    console.log(
      `write ${entries.toLocaleString("en-US")} entries: ${first.cpuSeconds.toFixed(2)} s CPU, ${first.rssMB.toFixed(0)} MB peak RSS`,
    );
    for (let r = 0; r < rounds; r++) {
      const { cpuSeconds, rssMB } = round();
      console.log(
        `load, answer and keep every entry, save: ${cpuSeconds.toFixed(2)} s CPU, ${rssMB.toFixed(0)} MB peak RSS`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
