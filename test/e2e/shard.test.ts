import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shardOf } from "../../src/plan/shard.js";
import { manifestDir, planJson, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();
const SHARDS = 3;

/** A CSV manifest of `count` runs named `<prefix>-001`... (CreateRun: no assets). */
function manifest(prefix: string, count: number): { dir: string; keys: string[] } {
  const keys = Array.from(
    { length: count },
    (_, i) => `${prefix}-${String(i + 1).padStart(3, "0")}`,
  );
  const rows = keys.map((key, i) => `${key},Run ${i + 1},ci;${prefix}`);
  const dir = manifestDir({ "runs.csv": `clientKey,name,tags\n${rows.join("\n")}\n` });
  return { dir, keys };
}

function readResults(path: string): Array<{ clientKey: string; action: string; status: string }> {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("--shard K/N (contract §6)", () => {
  it("N shards together create every run exactly once, each only its own runs", async () => {
    const { dir, keys } = manifest("sh", 60);
    const before = emulator().stats().requests.CreateRun;
    const seen: string[] = [];
    for (let k = 1; k <= SHARDS; k++) {
      const results = join(dir, `shard-${k}.jsonl`);
      const { code, stderr } = await runCli(emulator(), [
        "apply",
        dir,
        "--shard",
        `${k}/${SHARDS}`,
        "--results",
        results,
      ]);
      expect(code, stderr).toBe(0);
      const rows = readResults(results);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row).toMatchObject({ action: "create", status: "ok" });
        expect(shardOf(row.clientKey, SHARDS)).toBe(k);
      }
      seen.push(...rows.map((r) => r.clientKey));
    }
    // Union = all runs, no overlap, and the API saw one create per run: no 409s, no duplicates.
    expect([...seen].sort()).toEqual(keys);
    expect(emulator().stats().requests.CreateRun - before).toBe(keys.length);
    const created = emulator()
      .runs()
      .filter((run) => run.clientKey?.startsWith("sh-"));
    expect(created.map((run) => run.clientKey).sort()).toEqual(keys);
  });

  it("each shard's plan shows only its own runs, and the plans add up to the whole", async () => {
    const { dir, keys } = manifest("pl", 40);
    const { code } = await runCli(emulator(), ["apply", dir, "--shard", `2/${SHARDS}`]);
    expect(code).toBe(0);
    const { plan: whole } = await planJson(emulator(), [dir]);
    const planned: string[] = [];
    for (let k = 1; k <= SHARDS; k++) {
      const { plan } = await planJson(emulator(), [dir, "--shard", `${k}/${SHARDS}`]);
      for (const change of plan.changes) {
        expect(shardOf(change.clientKey, SHARDS)).toBe(k);
        // Shard 2 was applied: its runs are unchanged, the others' still to create.
        expect(change.action).toBe(k === 2 ? "unchanged" : "create");
      }
      planned.push(...plan.changes.map((c) => c.clientKey));
    }
    expect([...planned].sort()).toEqual(keys);
    expect(whole.summary.create + whole.summary.unchanged).toBe(keys.length);
  });

  it("a bad row in any shard stops every shard: all machines validate all rows", async () => {
    const { dir } = manifest("bad", 10);
    const text = readFileSync(join(dir, "runs.csv"), "utf8");
    const broken = `${text}bad-003,Run 3 again,ci\n`; // a duplicate clientKey: invalid input
    const brokenDir = manifestDir({ "runs.csv": broken });
    const writes = emulator().stats().writes;
    for (let k = 1; k <= SHARDS; k++) {
      const shard = `${k}/${SHARDS}`;
      const { code, stderr } = await runCli(emulator(), ["apply", brokenDir, "--shard", shard]);
      expect(code).toBe(1);
      expect(stderr).toContain('clientKey: "bad-003" is also defined at');
    }
    expect(emulator().stats().writes).toBe(writes);
  });

  it("hashes with 32-bit FNV-1a, so shards stay the same across machines and versions", () => {
    // Published FNV-1a test vectors: "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(shardOf("a", 7)).toBe((0xe40c292c % 7) + 1);
    expect(shardOf("foobar", 1000)).toBe((0xbf9cf968 % 1000) + 1);
    expect(shardOf("anything", 1)).toBe(1);
  });

  it("refuses a shard outside 1..N", async () => {
    const { dir } = manifest("range", 2);
    for (const shard of ["0/3", "4/3", "1/0", "two/3"]) {
      const { code, stderr } = await runCli(emulator(), ["plan", dir, "--shard", shard]);
      expect(code).toBe(1);
      expect(stderr).toContain("K/N");
    }
  });
});
