import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, type TestContext } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { isRead, startFaultProxy } from "./support/fault-proxy.js";
import { startHungApi, waitFor } from "./support/hung-api.js";
import { BIN, spawnCli } from "./support/processes.js";
import { readResults } from "./support/results.js";
import { duplicateKeys } from "./support/state.js";

/**
 * Issue 18.4: stopping means stopping. The CLI, as its own process, gets SIGINT or SIGTERM
 * while the API hangs (a listener that accepts and never answers, or a proxy that holds every
 * write) or is merely slow (the emulator with latency). It starts no new request, gives the
 * requests under way the grace (5 s, here scaled by SIFT_RUN_SYNC_STOP_SCALE), cuts them off,
 * prints its summary on stdout, lists every row in the results file, and exits 130 (SIGINT) or
 * 143 (SIGTERM): today it waited out every timeout and retry (245 s, 476 s) or exited 1. No
 * timing is asserted: the test timeout bounds it.
 *
 * The scenarios mostly wait (the grace, the deadline, a slow emulator) rather than work, so
 * they run concurrently, each with its own API, proxy and working directory.
 */

const RUNS = 12;
/**
 * The grace (5 s) and the deadline (9 s) at a fifth: a hung request is cut off after 1 s, the
 * command is gone by 1.8 s, still ample for it to end on its own with 12 rows.
 */
const STOP_SCALE = 0.2;
const SCALED = { SIFT_RUN_SYNC_STOP_SCALE: String(STOP_SCALE) };
/**
 * `server`, closed when the test that started it ends (the test's own hook: the tests run
 * concurrently).
 */
async function closedAfter<T extends { close(): Promise<void> }>(
  test: TestContext,
  server: Promise<T>,
): Promise<T> {
  const started = await server;
  test.onTestFinished(() => started.close());
  return started;
}

function workDir(runs = RUNS) {
  const dir = mkdtempSync(join(tmpdir(), "srs-signal-"));
  const rows = Array.from({ length: runs }, (_, i) => `sg-${i},Run ${i}`);
  writeFileSync(join(dir, "runs.csv"), `clientKey,name\n${rows.join("\n")}\n`);
  return { dir, manifest: join(dir, "runs.csv"), results: join(dir, "results.csv") };
}

function apply(url: string, args: string[], env: Record<string, string> = SCALED) {
  return spawnCli(["apply", ...args, "--concurrency", "4"], {
    SIFT_REST_URI: url,
    SIFT_API_KEY: "local",
    ...env,
  });
}

/** Every manifest row once in the results, all skipped (none could be done). */
function expectAllSkipped(results: string, runs = RUNS) {
  const lines = readResults(results);
  expect(lines.map((l) => l.clientKey).sort()).toEqual(
    Array.from({ length: runs }, (_, i) => `sg-${i}`).sort(),
  );
  expect(lines.every((l) => l.status === "skipped")).toBe(true);
  return lines;
}

describe.concurrent("apply stopped by a signal", () => {
  it("SIGINT while looking runs up in a hung API: exit 130, the summary, every row skipped", async (t) => {
    const hung = await closedAfter(t, startHungApi());
    const { manifest, results } = workDir();
    const cli = apply(hung.url, [manifest, "--results", results]);
    await waitFor(() => hung.connections() > 0, "the first lookup");
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    expect(cli.stdout()).toMatch(
      new RegExp(
        `^Interrupted after: 0 created, 0 updated, 0 unchanged, 0 failed, ${RUNS} skipped in .*\\.\\n$`,
      ),
    );
    const lines = expectAllSkipped(results);
    expect(lines[0]!.error).toBe(
      "not attempted: the apply was interrupted; run the same command again",
    );
    expect(cli.stderr()).toContain(
      `interrupted by Ctrl-C (SIGINT) while waiting on the API at ${hung.url} for its first answer (`,
    );
    expect(cli.stderr()).toMatch(
      new RegExp(
        `: no new request starts; (the request under way gets|the \\d+ requests under way get) ${5 * STOP_SCALE} s, then (is|are) cut off \\(Ctrl-C again to quit now\\)\n`,
      ),
    );
    expect(cli.stderr()).not.toMatch(/\n\s+at |internal error/);
  }, 30_000);

  it("SIGTERM while looking runs up: exit 143, and the JSON summary says interrupted", async (t) => {
    const hung = await closedAfter(t, startHungApi());
    const { manifest, results } = workDir();
    const cli = apply(hung.url, [manifest, "--results", results, "--format", "json"]);
    await waitFor(() => hung.connections() > 0, "the first lookup");
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(143);
    const summary = JSON.parse(cli.stdout()) as Record<string, unknown>;
    expect(summary).toMatchObject({ created: 0, skipped: RUNS, interrupted: true });
    expectAllSkipped(results);
  }, 30_000);

  it("SIGINT while every write hangs: the writes under way cut off and reported", async (t) => {
    const emulator = await closedAfter(t, startEmulator({ port: 0 }));
    const proxy = await closedAfter(
      t,
      startFaultProxy(emulator.url, (req) => (isRead(req) ? "forward" : "hang")),
    );
    const { manifest, results } = workDir();
    const cli = apply(proxy.url, [manifest, "--results", results]);
    await waitFor(() => proxy.hung() >= 4, "four writes under way");
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    const lines = expectAllSkipped(results);
    const cutOff = lines.filter((l) =>
      l.error.startsWith("interrupted while its request was under way"),
    );
    expect(cutOff).toHaveLength(4);
    expect(cutOff.every((l) => l.action === "create")).toBe(true);
    expect(cli.stdout()).toMatch(/^Interrupted after: 0 created, .* 0 failed, 12 skipped/);
    // Nothing was retried or started after the signal: the 4 writes held are all there were.
    expect(proxy.hung()).toBe(4);
  }, 30_000);

  it("a second Ctrl-C quits at once, still exit 130 with a summary", async (t) => {
    const emulator = await closedAfter(t, startEmulator({ port: 0 }));
    const proxy = await closedAfter(
      t,
      startFaultProxy(emulator.url, (req) => (isRead(req) ? "forward" : "hang")),
    );
    const { manifest, results } = workDir();
    const cli = apply(proxy.url, [manifest, "--results", results]);
    await waitFor(() => proxy.hung() >= 4, "four writes under way");
    cli.child.kill("SIGINT");
    await waitFor(() => cli.stderr().includes("interrupted by"), "the first signal's note");
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    expect(cli.stdout()).toMatch(/^Interrupted after: 0 created, .* skipped in .*\.\n$/);
    expect(readResults(results).every((l) => l.status === "skipped")).toBe(true);
  }, 30_000);

  it("SIGTERM against a slow emulator (latency): the writes under way finish, the rerun converges", async (t) => {
    // Each answer takes 0.5 s; the grace is 3 s (5 s at 0.6): the writes under way are
    // answered well within it.
    const emulator = await closedAfter(t, startEmulator({ port: 0, latencyMs: 500 }));
    const { manifest, results } = workDir(40);
    const cli = apply(emulator.url, [manifest, "--results", results], {
      SIFT_RUN_SYNC_STOP_SCALE: "0.6",
    });
    await waitFor(() => emulator.stats().requests.CreateRun! >= 4, "four creates under way");
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(143);
    const lines = readResults(results);
    expect(new Set(lines.map((l) => l.clientKey)).size).toBe(40);
    const created = lines.filter((l) => l.status === "ok");
    // The creates under way were answered within the grace: ok, with the run Sift holds.
    expect(created.length).toBeGreaterThanOrEqual(4);
    const runIds = new Map(emulator.runs().map((r) => [r.clientKey, r.runId]));
    for (const line of created) expect(line.runId).toBe(runIds.get(line.clientKey));
    expect(emulator.runs()).toHaveLength(created.length);
    expect(cli.stdout()).toMatch(
      new RegExp(
        `^Interrupted after: ${created.length} created, .* ${40 - created.length} skipped`,
      ),
    );
    const rerun = spawnCli(["apply", manifest, "--concurrency", "16"], {
      SIFT_REST_URI: emulator.url,
      SIFT_API_KEY: "local",
    });
    expect(await rerun.exited).toBe(0);
    expect(emulator.runs()).toHaveLength(40);
    expect(duplicateKeys(emulator.runs())).toEqual([]);
  }, 60_000);
});

describe.concurrent("whatever the command is doing", () => {
  it("it is gone within the deadline: SIGINT while reading a manifest from a stdin that never ends", async () => {
    // Nothing the API does: the command waits for its input. At the deadline (9 s, here
    // 1.8 s) it writes the summary it can and exits 130.
    // Its own TMPDIR: the copy of stdin appearing there says the command is reading it.
    const tmp = mkdtempSync(join(tmpdir(), "srs-stdin-tmp-"));
    const child = spawn(process.execPath, [BIN, "apply", "-"], {
      env: {
        ...process.env,
        TMPDIR: tmp,
        SIFT_REST_URI: "http://127.0.0.1:9",
        SIFT_API_KEY: "local",
        ...SCALED,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    // 'close' waits for our end of its stdin too: close it once the process is gone.
    child.on("exit", () => child.stdin.destroy());
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.stdin.write("clientKey,name\nsg-1,Run 1\n"); // and never closed
    await waitForStdinCopy(tmp);
    child.kill("SIGINT");
    await waitFor(() => err.includes("interrupted by"), "the first signal's note");
    expect(await exited).toBe(130);
    expect(out).toMatch(
      /^Interrupted after: 0 created, 0 updated, 0 unchanged, 0 failed, 0 skipped in .*\.\n$/,
    );
    // The exit at the deadline deleted the copy of stdin.
    expect(readdirSync(tmp).filter((name) => name.startsWith("sift-run-sync-stdin-"))).toEqual([]);
    child.stdin.destroy();
  }, 20_000);

  it("validate: SIGINT while reading stdin exits 130 at once, and the copy of stdin is gone", async () => {
    // validate quits at the first signal (process.exit: no finally runs).
    const tmp = mkdtempSync(join(tmpdir(), "srs-stdin-tmp-"));
    const child = spawn(process.execPath, [BIN, "validate", "-"], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.on("exit", () => child.stdin.destroy());
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.stdin.write("clientKey,name\nsv-1,Run 1\n"); // and never closed
    await waitForStdinCopy(tmp);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(readdirSync(tmp)).toEqual([]);
  }, 20_000);
});

describe("doctor stopped while it reads stdin", () => {
  it("exits at the deadline, and the copy of stdin it made after its connection checks is gone", async (t) => {
    // doctor copies stdin itself (its manifests are checked after the connection): the exit at
    // the deadline (process.exit, no finally) must delete that copy too.
    const emulator = await closedAfter(t, startEmulator({ port: 0 }));
    const tmp = mkdtempSync(join(tmpdir(), "srs-stdin-tmp-"));
    const child = spawn(process.execPath, [BIN, "doctor", "-"], {
      env: {
        ...process.env,
        TMPDIR: tmp,
        SIFT_REST_URI: emulator.url,
        SIFT_API_KEY: "local",
        ...SCALED,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.on("exit", () => child.stdin.destroy());
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.stdin.write("clientKey,name\nsd-1,Run 1\n"); // and never closed
    await waitForStdinCopy(tmp);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(readdirSync(tmp).filter((name) => name.startsWith("sift-run-sync-stdin-"))).toEqual([]);
  }, 20_000);
});

/**
 * Runs the CLI against an API that accepts connections and never answers, sends SIGTERM once
 * its first request is out, and expects exit 143: the process, and its stderr lines but logs.
 */
async function termInHungApi(t: TestContext, args: string[]) {
  const hung = await closedAfter(t, startHungApi());
  const cli = spawnCli(args, { SIFT_REST_URI: hung.url, SIFT_API_KEY: "local", ...SCALED });
  await waitFor(() => hung.connections() > 0, "the first request");
  cli.child.kill("SIGTERM");
  expect(await cli.exited).toBe(143);
  const lines = cli
    .stderr()
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("{"));
  return { cli, lines };
}

/** The copy of stdin appearing in the command's own TMPDIR says the command is reading it. */
function waitForStdinCopy(tmp: string): Promise<void> {
  return waitFor(() => {
    const spool = readdirSync(tmp).find((name) => name.startsWith("sift-run-sync-stdin-"));
    return spool !== undefined && existsSync(join(tmp, spool, "stdin"));
  }, "stdin being read");
}

describe.concurrent("plan, export and a saved plan stopped by a signal", () => {
  it("plan: SIGTERM in a hung API ends the JSON document and exits 143", async (t) => {
    const { manifest } = workDir();
    const { cli } = await termInHungApi(t, ["plan", manifest, "--format", "json"]);
    expect(JSON.parse(cli.stdout()).error).toEqual({
      code: "INTERRUPTED",
      message: expect.stringMatching(/^interrupted by SIGTERM while .*: the plan is incomplete$/),
      signal: "SIGTERM",
    });
  }, 30_000);

  it("export: SIGTERM in a hung API exits 143 and says the export is incomplete", async (t) => {
    const { dir } = workDir();
    const out = join(dir, "export.csv");
    const { lines } = await termInHungApi(t, ["export", "--out", out]);
    // One line, as plan and apply give it: what was under way, and what the stop leaves.
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^interrupted by SIGTERM while waiting on the API at .* for its first answer \\(GET /\\S+, sent \\d+\\.\\d s ago\\): 0 runs exported so far; ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} was not written$`,
        ),
      ),
    ]);
    expect(existsSync(out)).toBe(false);
  }, 30_000);

  it("doctor: SIGTERM in a hung API says in one line what hung and what the report holds", async (t) => {
    const { cli, lines } = await termInHungApi(t, ["doctor", "--format", "json"]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^interrupted by SIGTERM while waiting on the API at .* for its first answer \(.*\): the report holds the (check|\d+ checks) done so far$/,
      ),
    ]);
    expect(JSON.parse(cli.stdout())).toMatchObject({ interrupted: true });
  }, 30_000);

  it("apply --plan: SIGINT while its writes hang exits 130 and reports every change", async (t) => {
    const emulator = await closedAfter(t, startEmulator({ port: 0 }));
    let holdWrites = false;
    const proxy = await closedAfter(
      t,
      startFaultProxy(emulator.url, (req) => (holdWrites && !isRead(req) ? "hang" : "forward")),
    );
    const { dir, manifest, results } = workDir();
    const plan = join(dir, "plan.json");
    const env = { SIFT_REST_URI: proxy.url, SIFT_API_KEY: "local", ...SCALED };
    expect(await spawnCli(["plan", manifest, "--out", plan], env).exited).toBe(0);
    holdWrites = true;
    const cli = spawnCli(
      ["apply", "--plan", plan, "--results", results, "--concurrency", "4"],
      env,
    );
    await waitFor(() => proxy.hung() >= 4, "four writes under way");
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    expectAllSkipped(results);
    expect(cli.stdout()).toMatch(/^Interrupted after: 0 created, .* 12 skipped/);
  }, 30_000);
});
