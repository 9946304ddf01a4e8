// The bench's two kinds of child process: the emulator (forked, answering over IPC) and the
// real CLI (spawned as a user would run it, node startup included, reporting its peak RSS).
import { fork, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const EMULATOR = fileURLToPath(new URL("./emulator-process.mjs", import.meta.url));
const BIN = fileURLToPath(new URL("../bin/sift-run-sync.js", import.meta.url));
export const API_KEY = "local";

/**
 * Starts an emulator process. `ask(cmd, args)` sends it a command (stats, reset, load, usage)
 * and resolves with its answer. `nodeArgs` go to node itself (e.g. `--cpu-prof`).
 */
export function startEmulatorProcess(options, { nodeArgs = [] } = {}) {
  const child = fork(EMULATOR, [JSON.stringify(options)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: ["--max-old-space-size=4096", ...nodeArgs],
  });
  const waiting = new Map();
  let nextId = 1;
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
    child.on("message", (message) => {
      if (message.type === "ready") {
        resolve({
          url: message.url,
          ask(cmd, args) {
            const id = nextId++;
            child.send({ id, cmd, args });
            return new Promise((res, rej) => waiting.set(id, { res, rej }));
          },
          async close() {
            const exited = new Promise((res) => child.once("exit", res));
            child.send({ id: 0, cmd: "close" });
            await exited;
          },
        });
        return;
      }
      const pending = waiting.get(message.id);
      if (pending === undefined) return;
      waiting.delete(message.id);
      if (message.error !== undefined) pending.rej(new Error(message.error));
      else pending.res(message.result);
    });
  });
}

/** Has the CLI print its peak RSS (KiB) and CPU time (µs) on stderr as it exits. */
const REPORT_USAGE =
  'process.on("exit",()=>{const u=process.resourceUsage();' +
  'process.stderr.write("bench:maxRSS="+u.maxRSS+" cpu="+(u.userCPUTime+u.systemCPUTime)+"\\n")})';

/**
 * Runs `sift-run-sync ...args` against `url` and measures it from spawn to exit.
 * `nodeArgs` go to node itself (e.g. `--cpu-prof`); `core` pins it to one CPU.
 */
export function runCli(url, args, { nodeArgs = [], core } = {}) {
  const env = { ...process.env, SIFT_REST_URI: url, SIFT_API_KEY: API_KEY, NO_COLOR: "1" };
  return spawnCli(args, { nodeArgs, env, core });
}

/**
 * Spawns `sift-run-sync ...args` as a user would (node startup included) and measures it:
 * wall seconds from spawn to exit, the child's peak RSS and CPU time, its output.
 */
export function spawnCli(args, { nodeArgs = [], env = process.env, core } = {}) {
  const node = [
    ...nodeArgs,
    "--import",
    `data:text/javascript,${encodeURIComponent(REPORT_USAGE)}`,
    BIN,
    ...args,
  ];
  // `core`: pinned to that CPU (taskset), for A/B pairs run at the same time.
  const [file, argv] =
    core === undefined
      ? [process.execPath, node]
      : ["taskset", ["-c", String(core), process.execPath, ...node]];
  const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const usage = /bench:maxRSS=(\d+) cpu=(\d+)/.exec(stderr);
      const maxRssMB = Number(usage?.[1] ?? Number.NaN) / 1024;
      const cpuSeconds = Number(usage?.[2] ?? Number.NaN) / 1e6;
      resolve({ code, seconds, maxRssMB, cpuSeconds, stdout, stderr });
    });
  });
}
