// scratch: profile a warm no-op night (not committed)
import { mkdtemp, rm } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startEmulatorProcess } from "./processes.mjs";
import { CSV_HEADER, csvRow, benchRun } from "./runs.mjs";
const n = Number(process.argv[2] ?? 200000);
const profDir = process.argv[3] ?? "/tmp/prof";
const dir = await mkdtemp(join(tmpdir(), "prof-"));
const emulator = await startEmulatorProcess({ latencyMs: 20 });
try {
  const prefix = `night${n}`;
  await emulator.ask("load", { prefix, count: n, modifiedFrom: new Date(Date.now() - 2 * 86400000).toISOString(), modifiedStepMs: 86400000 / n });
  const v0 = join(dir, "v0.csv");
  const out = createWriteStream(v0);
  out.write(`${CSV_HEADER}\n`);
  for (let i = 0; i < n; i++) out.write(`${csvRow(benchRun(prefix, i))}\n`);
  await new Promise((r) => out.end(r));
  const cache = join(dir, "cache");
  const args = ["apply", v0, "--cache", cache, "--format", "json", "--concurrency", "16", "--no-progress", "--log-level", "error"];
  let r = await runCli(emulator.url, args);
  console.log("first", r.code, r.seconds, r.cpuSeconds);
  r = await runCli(emulator.url, args);
  console.log("noop", r.code, r.seconds, r.cpuSeconds, r.maxRssMB);
  r = await runCli(emulator.url, args, { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir] });
  console.log("noop prof", r.code, r.seconds, r.cpuSeconds, r.maxRssMB);
} finally {
  await emulator.stop?.();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
