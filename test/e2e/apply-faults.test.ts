import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { manifestDir, runCli, SEED } from "./harness.js";

const BIN = new URL("../../bin/sift-run-sync.js", import.meta.url).pathname;

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function csvOf(prefix: string, n: number): string {
  const rows = Array.from(
    { length: n },
    (_, i) => `${prefix}-${i},Run ${i},2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,stand-a;rig-7,x;y`,
  );
  return "clientKey,name,startTime,stopTime,assets,tags\n" + rows.join("\n") + "\n";
}

function expectOneRunPerKey(e: Emulator, prefix: string, n: number): void {
  const keys = e
    .runs()
    .map((r) => r.clientKey)
    .filter((k) => k?.startsWith(`${prefix}-`));
  expect(keys.length).toBe(n);
  expect(new Set(keys).size).toBe(n);
}

/** Starts the real CLI as a child process; resolves with its exit code. */
function spawnApply(e: Emulator, args: string[]) {
  const child = spawn(process.execPath, [BIN, "apply", ...args], {
    env: { ...process.env, SIFT_REST_URI: e.url, SIFT_API_KEY: "local" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function waitForWrites(e: Emulator, n: number): Promise<void> {
  while (e.stats().writes < n) await new Promise((r) => setTimeout(r, 10));
}

describe("apply under faults and interruptions", () => {
  it("never has more than --concurrency requests in flight", async () => {
    // Latency makes requests overlap at the emulator, so the bound is observable.
    emulator = await startEmulator({ port: 0, seed: SEED, latencyMs: 10 });
    const dir = manifestDir({ "runs.csv": csvOf("cc", 200) });
    const { code } = await runCli(emulator, ["apply", dir, "--concurrency", "4"]);
    expect(code).toBe(0);
    const stats = emulator.stats();
    expect(stats.requests.CreateAdhocRun).toBe(200);
    expect(stats.maxInFlight).toBe(4);
  });

  it("converges with exactly one run per clientKey under 20% faults, lost answers included", async () => {
    emulator = await startEmulator({
      port: 0,
      seed: SEED,
      faultRate: 0.2,
      faultSeed: 7,
      retryAfterSeconds: 0,
    });
    const dir = manifestDir({ "runs.csv": csvOf("f", 500) });
    const first = await runCli(emulator, ["apply", dir, "--concurrency", "16"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Applied: 500 created, 0 updated, 0 unchanged, 0 failed/);
    const faults = emulator.stats().faults;
    expect(faults["lost-answer"]).toBeGreaterThan(0);
    expectOneRunPerKey(emulator, "f", 500);
    const again = await runCli(emulator, ["apply", dir]);
    expect(again.stdout).toMatch(/0 created, 0 updated, 500 unchanged, 0 failed/);
  });

  it("finishes the job after SIGKILL in the middle, with no duplicates", async () => {
    emulator = await startEmulator({ port: 0, seed: SEED, latencyMs: 5 });
    const dir = manifestDir({ "runs.csv": csvOf("k", 600) });
    const run = spawnApply(emulator, [dir, "--concurrency", "4"]);
    await waitForWrites(emulator, 100);
    run.child.kill("SIGKILL");
    await run.exited;
    const partial = emulator.runs().filter((r) => r.clientKey?.startsWith("k-")).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(600);
    const resumed = await runCli(emulator, ["apply", dir]);
    expect(resumed.code).toBe(0);
    expectOneRunPerKey(emulator, "k", 600);
  });

  it("stops on Ctrl-C with exit 130, reports every row (the rest as skipped), and resumes", async () => {
    emulator = await startEmulator({ port: 0, seed: SEED, latencyMs: 5 });
    const dir = manifestDir({ "runs.csv": csvOf("c", 600) });
    const results = join(manifestDir({}), "results.jsonl");
    const run = spawnApply(emulator, [dir, "--concurrency", "4", "--results", results]);
    await waitForWrites(emulator, 50);
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    const lines = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { clientKey: string; status: string; error?: string });
    const created = emulator.runs().filter((r) => r.clientKey?.startsWith("c-")).length;
    expect(created).toBeLessThan(600);
    // Every manifest row once: those done as ok, the others skipped with the reason.
    expect(new Set(lines.map((l) => l.clientKey)).size).toBe(600);
    expect(lines.filter((l) => l.status === "ok")).toHaveLength(created);
    const skipped = lines.filter((l) => l.status === "skipped");
    expect(skipped).toHaveLength(600 - created);
    expect(skipped[0]?.error).toMatch(/interrupted; run the same command again/);
    expect(run.stdout()).toMatch(
      new RegExp(
        `^Interrupted after: ${created} created, 0 updated, 0 unchanged, 0 failed, ${600 - created} skipped`,
      ),
    );
    // One line for all the skipped rows, not one per row.
    expect(run.stderr()).toContain(`${600 - created} rows skipped: the apply was interrupted`);
    expect(run.stderr().match(/"clientKey"/g) ?? []).toHaveLength(0);
    const resumed = await runCli(emulator, ["apply", dir]);
    expect(resumed.stdout).toMatch(
      new RegExp(`^Applied: ${600 - created} created, 0 updated, ${created} unchanged`),
    );
    expectOneRunPerKey(emulator, "c", 600);
  });
});
