import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeCache } from "../../src/cache/cache-file.js";
import { encodeCache } from "../../src/cache/cache-write.js";
import { callApi } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator({ readOnlyApiKey: "viewer" });

function csv(prefix: string, names: string[]): string {
  return `clientKey,name,description\n${names.map((n, i) => `${prefix}-${i},${n},d`).join("\n")}\n`;
}

/** A working directory holding runs.csv: the default cache goes to its .sift-run-sync/. */
function workDir(text: string): string {
  return manifestDir({ "runs.csv": text });
}

async function plan(dir: string, ...args: string[]) {
  emulator().resetStats();
  const result = await runCli(
    emulator(),
    ["plan", "runs.csv", "--format", "json", "--log-level", "info", ...args],
    dir,
  );
  const json = JSON.parse(result.stdout) as {
    summary: Record<string, number>;
    changes: Array<{ clientKey: string; action: string; runId?: string }>;
  };
  return { ...result, json, listRuns: emulator().stats().requests.ListRuns };
}

function cacheFile(dir: string): string {
  const files = readdirSync(join(dir, ".sift-run-sync"));
  expect(files).toHaveLength(1);
  return join(dir, ".sift-run-sync", files[0]!);
}

async function editName(runId: string, name: string) {
  const answer = await callApi(emulator(), "PATCH", "/api/v2/runs", {
    run: { runId, name },
    updateMask: "name",
  });
  expect(answer.status).toBe(200);
}

describe("the sync cache", () => {
  it("is written by apply and plan; a night with no change looks no run up", async () => {
    const dir = workDir(csv("nc", ["A", "B", "C"]));
    const first = await runCli(emulator(), ["apply", "runs.csv"], dir);
    expect(first.code).toBe(0);
    const full = await plan(dir, "--no-cache");
    expect(full.json.summary.unchanged).toBe(3);
    const warm = await plan(dir);
    expect(warm.json).toEqual(full.json);
    // The organization's oldest run, then the runs changed since the mark: no lookup.
    expect(warm.listRuns).toBe(2);
    expect(warm.stderr).toContain('"knownInSync":3');
    expect(existsSync(cacheFile(dir))).toBe(true);
  });

  it("finds runs edited in Sift, but not the runs it wrote itself", async () => {
    const dir = workDir(csv("ed", ["A", "B", "C", "D"]));
    await runCli(emulator(), ["apply", "runs.csv"], dir);
    writeFileSync(join(dir, "runs.csv"), csv("ed", ["A", "B2", "C", "D"]));
    const applied = await runCli(emulator(), ["apply", "runs.csv"], dir);
    expect(applied.stdout).toMatch(/0 created, 1 updated, 3 unchanged/);
    // Its own update is in the cache with the modifiedDate the write answered.
    const own = await plan(dir);
    expect(own.json.summary.unchanged).toBe(4);
    expect(own.listRuns).toBe(2);

    const runId = own.json.changes[2]!.runId!;
    await editName(runId, "edited in the UI");
    const edited = await plan(dir);
    expect(edited.json).toEqual((await plan(dir, "--no-cache")).json);
    expect(edited.json.changes[2]).toMatchObject({ clientKey: "ed-2", action: "update" });
    expect(edited.json.summary).toMatchObject({ update: 1, unchanged: 3 });
    // One lookup more: the run Sift changed.
    expect(edited.listRuns).toBe(3);
  });

  it("reads everything, with one note, when it cannot be trusted", async () => {
    const dir = workDir(csv("dt", ["A", "B"]));
    await runCli(emulator(), ["apply", "runs.csv"], dir);
    await plan(dir);
    const path = cacheFile(dir);
    const good = readFileSync(path);

    const note = (stderr: string) =>
      stderr
        .split("\n")
        .filter((l) => l.includes("full refresh"))
        .map((l) => (JSON.parse(l) as { msg: string }).msg);

    const damagedBytes = Buffer.from(good);
    damagedBytes[damagedBytes.length - 50] = damagedBytes[damagedBytes.length - 50]! ^ 0xff;
    writeFileSync(path, damagedBytes);
    const damaged = await plan(dir);
    expect(note(damaged.stderr)).toEqual([
      expect.stringMatching(/^full refresh: the sync cache .* is not used: it is damaged/),
    ]);
    expect(damaged.stderr).toContain('"level":40'); // a damaged cache is worth a warning
    expect(damaged.listRuns).toBe(3); // oldest, newest, one lookup
    expect(damaged.json.summary.unchanged).toBe(2);

    const forced = await plan(dir, "--refresh", "full");
    expect(note(forced.stderr)).toEqual(["full refresh: --refresh full"]);

    const data = decodeCache(readFileSync(path));
    data.meta.epochs = data.meta.epochs.map((e) => ({
      ...e,
      refreshedAt: e.refreshedAt - 3_600_000,
    }));
    writeFileSync(path, encodeCache(data));
    const old = await plan(dir, "--refresh-every", "30m");
    expect(note(old.stderr)).toEqual([
      "full refresh: the last full read is 60m old (--refresh-every 30m)",
    ]);
    const trusted = await plan(dir, "--refresh-every", "30m");
    expect(note(trusted.stderr)).toEqual([]);
    expect(trusted.listRuns).toBe(2);

    data.meta.toolVersion = "0.0.1";
    writeFileSync(path, encodeCache(data));
    expect(note((await plan(dir)).stderr)).toEqual([
      expect.stringMatching(/written by sift-run-sync 0\.0\.1, this is /),
    ]);
    expect(note((await plan(dir, "--metadata", "replace")).stderr)).toEqual([
      expect.stringMatching(/other diff options/),
    ]);
  });

  it("does not record rows that failed or were skipped: the next sync retries them", async () => {
    const dir = workDir(csv("fl", ["A", "B", "C"]));
    await runCli(emulator(), ["apply", "runs.csv"], dir);
    writeFileSync(join(dir, "runs.csv"), csv("fl", ["A2", "B2", "C2"]));
    // A viewer's key: every write is refused.
    const refused = await runCli(emulator(), ["apply", "runs.csv"], dir, "viewer");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/3 failed/);
    const next = await plan(dir);
    expect(next.json.summary).toMatchObject({ update: 3 });
    const canary = await runCli(emulator(), ["apply", "runs.csv", "--limit", "1"], dir);
    expect(canary.stdout).toMatch(/1 updated, 0 unchanged, 0 failed, 2 skipped/);
    const rest = await plan(dir);
    expect(rest.json.summary).toMatchObject({ update: 2, unchanged: 1 });
    expect(rest.json).toEqual((await plan(dir, "--no-cache")).json);
    expect(rest.listRuns).toBe(3); // the two skipped rows are looked up, the one applied is not
  });

  it("--no-cache neither reads nor writes it; --cache DIR puts it elsewhere", async () => {
    const dir = workDir(csv("nx", ["A"]));
    const none = await plan(dir, "--no-cache");
    expect(none.listRuns).toBe(1);
    expect(existsSync(join(dir, ".sift-run-sync"))).toBe(false);
    await plan(dir, "--cache", "state/cache");
    expect(readdirSync(join(dir, "state", "cache"))).toHaveLength(1);
    expect(existsSync(join(dir, ".sift-run-sync"))).toBe(false);
  });

  it("stays safe when two syncs overlap", async () => {
    const dir = workDir(csv("ov", ["A", "B", "C", "D", "E", "F"]));
    await runCli(emulator(), ["apply", "runs.csv"], dir);
    const other = manifestDir({ "runs.csv": csv("ov", ["A", "B", "C2", "D", "E", "F2"]) });
    writeFileSync(join(dir, "runs.csv"), csv("ov", ["A2", "B", "C", "D2", "E", "F"]));
    // A cron job and a manual run of other manifests, at once, on one cache.
    const [a, b] = await Promise.all([
      runCli(emulator(), ["apply", "runs.csv"], dir),
      runCli(
        emulator(),
        ["apply", join(other, "runs.csv"), "--cache", join(dir, ".sift-run-sync")],
        dir,
      ),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    for (let i = 0; i < 2; i++) {
      const cached = await plan(dir);
      expect(cached.json).toEqual((await plan(dir, "--no-cache")).json);
      await runCli(emulator(), ["apply", "runs.csv"], dir);
    }
  });
});
