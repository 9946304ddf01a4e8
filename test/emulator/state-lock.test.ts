import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startEmulator } from "../../src/emulator/index.js";
import { callApi } from "../helpers/emulator.js";
import { captureIo } from "../helpers/io.js";
import { EmulatorProcess, spawnCli } from "../reliability/support/processes.js";
import { BASE_SEED } from "../reliability/support/runs.js";

/**
 * `--state FILE` belongs to one emulator at a time (FILE.lock): two emulators on one file
 * would each compact and truncate the other's journal, losing answered writes. A lock left
 * by an emulator that was killed does not stand in the way of a restart.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "state-lock-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const IN_USE = /state file .*state\.json is in use by another emulator \(pid (\d+)/;

/** `emulator --state FILE` in its own process: its exit, or "listening" (then it is stopped). */
async function startAnother(
  statePath: string,
): Promise<{ code: number | "listening"; stderr: string }> {
  const cli = spawnCli(["emulator", "--port", "0", "--state", statePath], {});
  const listening = new Promise<"listening">((resolve) => {
    cli.child.stdout!.on("data", () => {
      if (/listening on/.test(cli.stdout())) resolve("listening");
    });
  });
  const code = await Promise.race([cli.exited, listening]);
  if (code === "listening") {
    cli.child.kill("SIGTERM");
    await cli.exited;
  }
  return { code, stderr: cli.stderr() };
}

describe("--state lock", () => {
  it("a second emulator on the same file refuses to start, naming the first's pid", async () => {
    const statePath = join(dir, "two", "state.json");
    const first = await startEmulator({ statePath });
    try {
      const created = await callApi(first, "POST", "/api/v2/runs", {
        name: "kept",
        clientKey: "k1",
      });
      expect(created.status).toBe(200);
      await expect(startEmulator({ statePath })).rejects.toThrow(
        new RegExp(`in use by another emulator \\(pid ${process.pid}, running since `),
      );
      // The refused start changed nothing: the first one still journals, its write is kept.
      const journal = await readFile(`${statePath}.journal`, "utf8");
      expect(journal).toMatch(/"clientKey":"k1"/);
      expect((await callApi(first, "GET", "/api/v2/runs")).body.runs).toHaveLength(1);
    } finally {
      await first.close();
    }
    // Closed, the file is free again, and holds the write.
    expect(existsSync(`${statePath}.lock`)).toBe(false);
    const second = await startEmulator({ statePath });
    try {
      expect(second.runs().map((run) => run.clientKey)).toEqual(["k1"]);
    } finally {
      await second.close();
    }
  });

  it("a second emulator process exits 1 with the first's pid; kill -9 leaves a lock that does not block a restart", async () => {
    const processDir = join(dir, "process");
    await mkdir(processDir);
    const emulator = await EmulatorProcess.start(processDir, BASE_SEED);
    const statePath = join(processDir, "state.json");
    try {
      const firstPid = emulator.pid!;
      const second = await startAnother(statePath);
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toMatch(IN_USE);
      expect(IN_USE.exec(second.stderr)![1]).toBe(String(firstPid));
      expect(second.stderr).not.toMatch(/\n\s+at /); // a message, no stack

      const created = await callApi(emulator, "POST", "/api/v2/runs", {
        name: "a",
        clientKey: "a1",
      });
      expect(created.status).toBe(200);
      await emulator.kill();
      // The killed emulator could not remove its lock: it names a process that is gone.
      const stale = JSON.parse(await readFile(`${statePath}.lock`, "utf8"));
      expect(stale.pid).toBe(firstPid);

      await emulator.restart();
      expect(emulator.pid).not.toBe(firstPid);
      const again = await callApi(emulator, "GET", `/api/v2/runs/${created.body.run.runId}`);
      expect(again.status).toBe(200);
      // The restarted emulator holds the lock now: a third one is refused, naming it.
      const lock = JSON.parse(await readFile(`${statePath}.lock`, "utf8"));
      expect(lock).toMatchObject({ pid: emulator.pid, host: hostname() });
      const third = await startAnother(statePath);
      expect(third.code).toBe(1);
      expect(IN_USE.exec(third.stderr)?.[1]).toBe(String(emulator.pid));
    } finally {
      await emulator.kill();
    }
  });

  it.runIf(process.platform === "linux")(
    "a lock whose pid now belongs to another process (started later) is stale",
    async () => {
      const statePath = join(dir, "reused", "state.json");
      await mkdir(join(dir, "reused"));
      // This process runs, but it is not the one that took the lock: its start time differs.
      const lock = {
        pid: process.pid,
        host: hostname(),
        startTime: "1",
        since: "2024-01-01T00:00:00Z",
      };
      await writeFile(`${statePath}.lock`, JSON.stringify(lock));
      const emulator = await startEmulator({ statePath });
      try {
        const held = JSON.parse(await readFile(`${statePath}.lock`, "utf8"));
        expect(held.pid).toBe(process.pid);
        expect(held.startTime).not.toBe("1");
      } finally {
        await emulator.close();
      }
    },
  );

  it("a lock taken on another host, or not written by an emulator, is never broken", async () => {
    const statePath = join(dir, "elsewhere", "state.json");
    await mkdir(join(dir, "elsewhere"));
    const lock = { pid: 4242, host: "build-agent-7", since: "2024-01-01T00:00:00Z" };
    await writeFile(`${statePath}.lock`, JSON.stringify(lock));
    await expect(startEmulator({ statePath })).rejects.toThrow(
      /in use by another emulator \(pid 4242 on host build-agent-7, .*which this machine cannot check.*if it is no longer running, delete the lock file/,
    );
    await writeFile(`${statePath}.lock`, "locked by hand");
    await expect(startEmulator({ statePath })).rejects.toThrow(
      /its lock .*state\.json\.lock is not one this emulator writes/,
    );
    expect(await readFile(`${statePath}.lock`, "utf8")).toBe("locked by hand");
    expect(existsSync(statePath)).toBe(false); // nothing was created
  });

  it("--local: a second command in the same directory stops with a message, not an internal error", async () => {
    const cwd = join(dir, "local");
    await mkdir(join(cwd, "manifests"), { recursive: true });
    await writeFile(join(cwd, "manifests", "runs.csv"), "clientKey,name\nk-1,Run\n");
    const holder = await startEmulator({ statePath: join(cwd, ".sift-local", "state.json") });
    try {
      const io = captureIo({}, cwd);
      expect(await main(["plan", "manifests", "--local"], io)).toBe(1);
      expect(io.err()).toMatch(
        new RegExp(
          `^error: --local: state file .*\\.sift-local/state\\.json is in use by another emulator \\(pid ${process.pid}, `,
          "m",
        ),
      );
      expect(io.err()).not.toMatch(/internal error/);
    } finally {
      await holder.close();
    }
  });

  it("a start that fails after taking the lock lets it go (a port in use)", async () => {
    const statePath = join(dir, "port", "state.json");
    const holder = await startEmulator({});
    try {
      await expect(startEmulator({ statePath, port: holder.port })).rejects.toThrow(/EADDRINUSE/);
      expect(existsSync(`${statePath}.lock`)).toBe(false);
    } finally {
      await holder.close();
    }
  });
});
