import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EmulatorSeed } from "../../../src/emulator/index.js";

/** The built CLI (the vitest globalSetup compiles dist/ first). */
export const BIN = new URL("../../../bin/sift-run-sync.js", import.meta.url).pathname;

export interface CliProcess {
  child: ChildProcess;
  /** Exit code, or -1 when ended by a signal. */
  exited: Promise<number>;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts `sift-run-sync <args>` as its own process, as a cron job would (or, with `program`,
 * that program with `args`: a shell that sets limits before it runs the CLI).
 */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
  program?: string,
): CliProcess {
  const child = spawn(program ?? process.execPath, program ? args : [BIN, ...args], {
    env: { ...process.env, ...env },
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number>((resolve) =>
    child.on("close", (code, signal) => resolve(code ?? (signal ? -1 : 1))),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Runs the CLI to the end. */
export async function runCliProcess(args: string[], env: Record<string, string>, cwd?: string) {
  const cli = spawnCli(args, env, cwd);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/**
 * `sift-run-sync emulator --state FILE` as a child process that can be killed (SIGKILL) and
 * started again on the same port with the same state file, like a crashed API server.
 */
export class EmulatorProcess {
  private cli: CliProcess | undefined;
  port = 0;

  private constructor(
    private readonly statePath: string,
    private readonly seedPath: string,
    private readonly extraArgs: string[],
  ) {}

  /** Starts a fresh emulator whose state lives in `dir`. */
  static async start(dir: string, seed: EmulatorSeed, extraArgs: string[] = []) {
    const seedPath = join(dir, "seed.json");
    writeFileSync(seedPath, JSON.stringify(seed));
    const emulator = new EmulatorProcess(join(dir, "state.json"), seedPath, extraArgs);
    await emulator.restart();
    return emulator;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process id of the emulator running now. */
  get pid(): number | undefined {
    return this.cli?.child.pid;
  }

  /** Starts it (again) on the same port; resolves once it listens. */
  async restart(): Promise<void> {
    const args = ["emulator", "--port", String(this.port), "--state", this.statePath];
    const cli = spawnCli([...args, "--seed", this.seedPath, ...this.extraArgs], {});
    this.cli = cli;
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /listening on (http:\/\/\S+)/.exec(cli.stdout());
        if (m) {
          clearInterval(timer);
          resolve(m[1]!);
        }
      }, 10);
      void cli.exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`emulator exited with ${code}: ${cli.stderr()}`));
      });
    });
    this.port = Number(new URL(url).port);
  }

  /** SIGKILL: no chance to finish answering, like a crashed server. */
  async kill(): Promise<void> {
    const cli = this.cli;
    if (cli === undefined || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
    cli.child.kill("SIGKILL");
    await cli.exited;
  }
}
