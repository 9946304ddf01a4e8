// The bench's emulator, in a process of its own so that its CPU is not the CLI's: started
// with child_process.fork, it answers the bench's questions (request counts, CPU used) over
// IPC. Plain JS on the built dist/ (npm run build).
//
//   fork("bench/emulator-process.mjs", [JSON.stringify({ latencyMs: 20, rps: 100 })])
//   → {type: "ready", url}; then {id, cmd: "stats" | "reset" | "load" | "usage" | "close"}
import { startEmulator } from "../dist/emulator/index.js";
import { BASE_SEED, seedRuns } from "./runs.mjs";

/** Runs are loaded in chunks so the seed objects of 200,000 runs never exist at once. */
const LOAD_CHUNK = 10_000;

const options = JSON.parse(process.argv[2] ?? "{}");
const emulator = await startEmulator({ port: 0, seed: BASE_SEED, ...options });

const commands = {
  stats: () => emulator.stats(),
  reset: () => emulator.resetStats(),
  /**
   * Adds runs `0..count-1` of `prefix`, as a sync of them would have left them (with
   * `modifiedFrom` and `modifiedStepMs`: run i as it was left at modifiedFrom + i × step).
   */
  load: ({ prefix, count, modifiedFrom, modifiedStepMs = 0 }) => {
    const fieldsOf =
      modifiedFrom === undefined
        ? () => ({})
        : (i) => ({
            modifiedDate: new Date(Date.parse(modifiedFrom) + i * modifiedStepMs).toISOString(),
          });
    for (let from = 0; from < count; from += LOAD_CHUNK) {
      emulator.load(seedRuns(prefix, from, Math.min(LOAD_CHUNK, count - from), fieldsOf));
    }
    return { runs: count };
  },
  /** CPU seconds this process used so far, and its peak RSS. */
  usage: () => {
    const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
    return { cpuSeconds: (userCPUTime + systemCPUTime) / 1e6, maxRssMB: maxRSS / 1024 };
  },
  close: async () => {
    await emulator.close();
    setImmediate(() => process.exit(0));
  },
};

process.on("message", async ({ id, cmd, args }) => {
  try {
    const result = await commands[cmd](args ?? {});
    process.send({ id, result });
  } catch (error) {
    process.send({ id, error: String(error?.stack ?? error) });
  }
});
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready", url: emulator.url });
