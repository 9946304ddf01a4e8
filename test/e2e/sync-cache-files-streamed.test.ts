import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renameInSift } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

/** Past the 100,000 rows a manifest may have to be held (src/plan/held-rows.ts): streamed. */
const ROWS = 100_001;
const key = (i: number) => `big-${String(i).padStart(6, "0")}`;
const rkey = (i: number) => `rep-${String(i).padStart(6, "0")}`;
const dkey = (i: number) => `dup-${String(i).padStart(6, "0")}`;

describe("a skipped file of a manifest too large to hold", () => {
  it("is read again from its file when the cache cannot vouch for it, and planned as a full read plans it", async () => {
    const files = ["big.csv", "small.csv"];
    const { dir } = await firstNight(key, { "small.csv": "clientKey,name\nbig-small,B\n" }, files);

    expect(await renameInSift(emulator(), key(77_777), "edited in the UI")).toBe(200);
    const cached = await runCli(emulator(), ["apply", ...files, "--log-level", "info"], dir);
    expect(cached.stderr).toContain(
      "1 manifest file unchanged since the last sync is read for the runs Sift changed",
    );
    expect(cached.stderr).toContain("1 of 2 manifest files not parsed");
    expect(cached.stdout).toMatch(/0 created, 1 updated, 100,001 unchanged/);
    expect(
      emulator()
        .runs()
        .find((r) => r.clientKey === key(77_777))!.name,
    ).toBe("A");
  }, 120_000);

  it("is planned from the rows its check read, not parsed a third time, with each row where a full read puts it", async () => {
    // small.csv stays as it is: skipped, its row taken from the cache, beside the replayed file.
    const files = ["big.csv", "small.csv"];
    const smallFile = { "small.csv": "clientKey,name\nrep-small,S\n" };
    const { dir, lines, write } = await firstNight(rkey, smallFile, files);

    // One row edited in the manifest, one run edited in Sift, one row new at the end.
    lines[5] = `${rkey(5)},B`;
    lines.push("rep-new,C");
    write();
    expect(await renameInSift(emulator(), rkey(77_777), "edited in the UI")).toBe(200);
    const results = join(dir, "results.jsonl");
    const night = await runCli(
      emulator(),
      ["apply", ...files, "--log-level", "debug", "--results", results],
      dir,
    );
    expect(night.code).toBe(0);
    expect(night.stderr).toContain("1 of 2 manifest files not parsed");
    expect(night.stderr).toContain(
      "the plan takes the 100,002 rows the check read from memory (3 not known in sync held whole)",
    );
    expect(night.stdout).toMatch(/1 created, 2 updated, 100,000 unchanged/);
    const rows = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as { clientKey: string; source: string; action: string; status: string },
      )
      // Written as each row ends: the changed rows after the unchanged ones.
      .sort((a, b) => lineOf(a.source) - lineOf(b.source));
    expect(rows).toHaveLength(ROWS + 2);
    const small = rows.splice(
      rows.findIndex((r) => r.source === "small.csv:2"),
      1,
    );
    expect(small.map((r) => [r.clientKey, r.action])).toEqual([["rep-small", "unchanged"]]);
    // Every row once, at its line (the header is line 1), as a parse reports it.
    expect(rows.every((r, i) => r.source === `big.csv:${i + 2}`)).toBe(true);
    expect(rows.every((r, i) => r.clientKey === (i < ROWS ? rkey(i) : "rep-new"))).toBe(true);
    expect(rows.every((r) => r.status === "ok")).toBe(true);
    const changed = rows.filter((r) => r.action !== "unchanged");
    expect(changed.map((r) => [r.clientKey, r.action])).toEqual([
      [rkey(5), "update"],
      [rkey(77_777), "update"],
      ["rep-new", "create"],
    ]);
    const runs = new Map(
      emulator()
        .runs()
        .map((r) => [r.clientKey, r.name]),
    );
    expect([runs.get(rkey(5)), runs.get(rkey(77_777)), runs.get("rep-new")]).toEqual([
      "B",
      "A",
      "C",
    ]);
    // What the cache left is what a full read finds: nothing to do.
    const full = await runCli(emulator(), ["plan", ...files, "--refresh", "full"], dir);
    expect(full.stdout).toContain("No changes");
    // The next night both files are skipped: nothing is read, so nothing is kept for the plan.
    const quiet = await runCli(emulator(), ["apply", ...files, "--log-level", "debug"], dir);
    expect(quiet.stderr).toContain("2 of 2 manifest files not parsed");
    expect(quiet.stderr).not.toContain("the plan takes the");
    expect(quiet.stdout).toMatch(/0 created, 0 updated, 100,003 unchanged/);
  }, 180_000);

  it("with --skip-invalid, plans a skipped file's row that an edited file now repeats as invalid, as a full read does", async () => {
    const files = ["a.csv", "big.csv"];
    const { dir } = await firstNight(dkey, { "a.csv": "clientKey,name\ndup-a,A\n" }, files);
    // a.csv (read first) takes a clientKey of big.csv, which is unchanged and skipped: big.csv
    // now holds the duplicate, which every pass over it must find again.
    writeFileSync(join(dir, "a.csv"), `clientKey,name\ndup-a,A\n${dkey(50_000)},again\n`);
    const args = ["plan", ...files, "--skip-invalid", "--format", "json"];
    const cached = await runCli(emulator(), [...args, "--log-level", "info"], dir);
    const full = await runCli(emulator(), [...args, "--no-cache"], dir);
    expect(cached.stderr).toContain("1 of 2 manifest files not parsed");
    expect(cached.code).toBe(full.code);
    const invalid = (json: string) =>
      (JSON.parse(json) as { changes: { action: string; source: string }[] }).changes
        .filter((c) => c.action === "invalid")
        .map((c) => c.source);
    expect(invalid(cached.stdout)).toEqual(["big.csv:50002"]);
    expect(cached.stdout).toBe(full.stdout);
  }, 180_000);
});

const lineOf = (source: string) => Number(source.slice(source.lastIndexOf(":") + 1));

/**
 * A sync of big.csv (ROWS rows named "A", keys `key(i)`, their runs in Sift) and `small`, the
 * first night applied: `lines` are big.csv's rows, which `write` writes again.
 */
async function firstNight(
  key: (i: number) => string,
  small: Record<string, string>,
  files: string[],
) {
  emulator().load({
    runs: Array.from({ length: ROWS }, (_, i) => ({ clientKey: key(i), name: "A" })),
  });
  const lines = Array.from({ length: ROWS }, (_, i) => `${key(i)},A`);
  const dir = manifestDir(small);
  const write = () => writeFileSync(join(dir, "big.csv"), `clientKey,name\n${lines.join("\n")}\n`);
  write();
  expect((await runCli(emulator(), ["apply", ...files], dir)).code).toBe(0);
  return { dir, lines, write };
}
