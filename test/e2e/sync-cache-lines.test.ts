import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renameInSift } from "../helpers/emulator.js";
import { manifestDir, matchedLines, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

const HEADER = "clientKey,name,description";
const ROWS = 40;

/** The file of these rows (index → name), in this order. */
function csv(prefix: string, rows: [number, string][], header = HEADER): string {
  const line = ([i, name]: [number, string]) =>
    header === HEADER ? `${prefix}-${i},${name},d` : `${name},${prefix}-${i},d`;
  return `${header}\n${rows.map(line).join("\n")}\n`;
}

const original = (): [number, string][] =>
  Array.from({ length: ROWS }, (_, i) => [i, `run ${i}`] as [number, string]);

async function planBoth(dir: string) {
  const cached = await runCli(
    emulator(),
    ["plan", "runs.csv", "--format", "json", "--log-level", "info"],
    dir,
  );
  const full = await runCli(
    emulator(),
    ["plan", "runs.csv", "--format", "json", "--no-cache"],
    dir,
  );
  return { cached, full, matched: matchedLines(cached.stderr) };
}

describe("an edited manifest with the sync cache", () => {
  it("takes its unchanged lines from the cache wherever they moved, and plans as a full read does", async () => {
    const dir = manifestDir({ "runs.csv": csv("ln", original()) });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    // One row edited, one new, two removed, one moved to the end, one moved far up.
    const rows = original();
    rows[3] = [3, "run 3 (revised)"];
    rows.splice(10, 0, [100, "new run"]);
    rows.splice(20, 2);
    rows.push(rows.splice(5, 1)[0]!);
    rows.splice(1, 0, rows.splice(30, 1)[0]!);
    writeFileSync(join(dir, "runs.csv"), csv("ln", rows));
    const night = await planBoth(dir);
    expect(night.cached.code).toBe(0);
    expect(night.cached.stdout).toBe(night.full.stdout);
    // Every line but the edited one, the new one and the two moved far (each parsed: a line
    // is looked for a few rows ahead of the last match, elsewhere only after 8 misses in a row).
    expect(night.matched).toBe(rows.length - 4);
    expect(night.cached.stdout).toMatch(/"clientKey":"ln-3","action":"update"/);
    expect(night.cached.stdout).toMatch(/"clientKey":"ln-100","action":"create"/);
    expect(night.cached.stdout).toMatch(/"clientKey":"ln-21","action":"unchanged"/);
    // Each row at its new line, as a parse reports it.
    const place = rows.findIndex(([i]) => i === 5) + 2;
    expect(night.cached.stdout).toContain(
      `"clientKey":"ln-5","action":"unchanged","source":"runs.csv:${place}"`,
    );
  });

  it("takes the lines of a file written in another order from the cache", async () => {
    const dir = manifestDir({ "runs.csv": csv("lo", original()) });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    const rows = original().reverse();
    writeFileSync(join(dir, "runs.csv"), csv("lo", rows));
    const night = await planBoth(dir);
    expect(night.cached.stdout).toBe(night.full.stdout);
    // The first 8 lines found nowhere near are parsed; then each is looked up in the index.
    expect(night.matched).toBe(ROWS - 8);
  });

  it("parses the line of a run Sift changed, and every line under another header", async () => {
    const dir = manifestDir({ "runs.csv": csv("lh", original()) });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    const rows = original();
    rows[0] = [0, "run 0 (revised)"];
    writeFileSync(join(dir, "runs.csv"), csv("lh", rows));
    expect(await renameInSift(emulator(), "lh-7", "edited in the UI")).toBe(200);
    const night = await planBoth(dir);
    expect(night.cached.stdout).toBe(night.full.stdout);
    expect(night.cached.stdout).toMatch(/"clientKey":"lh-7","action":"update"/);
    // Not lh-0's line (edited), nor lh-7's (matched at first, parsed once Sift's change is known).
    expect(night.matched).toBe(ROWS - 2);

    // The same rows with the columns swapped: no line is the same text under the same header.
    writeFileSync(join(dir, "runs.csv"), csv("lh", rows, "name,clientKey,description"));
    const swapped = await planBoth(dir);
    expect(swapped.cached.stdout).toBe(swapped.full.stdout);
    expect(swapped.matched).toBe(0);
  });

  it("matches the lines of an export written under a new name each night", async () => {
    const dir = manifestDir({ "export-1.csv": csv("le", original()) });
    expect((await runCli(emulator(), ["apply", "export-1.csv"], dir)).code).toBe(0);
    const rows = original();
    rows[20] = [20, "run 20 (revised)"];
    writeFileSync(join(dir, "export-2.csv"), csv("le", rows));
    const args = ["plan", "export-2.csv", "--format", "json"];
    const cached = await runCli(emulator(), [...args, "--log-level", "info"], dir);
    const full = await runCli(emulator(), [...args, "--no-cache"], dir);
    expect(cached.stdout).toBe(full.stdout);
    expect(matchedLines(cached.stderr)).toBe(ROWS - 1);
    expect(cached.stdout).toContain(
      '"clientKey":"le-0","action":"unchanged","source":"export-2.csv:2"',
    );
  });

  it("matches the lines of a sync config's sources, mapped or not, as a full read plans them", async () => {
    const config = [
      "version: 1",
      "defaults: { tags: [nightly] }",
      "sources:",
      "  - path: exports/mapped.csv",
      "    fields:",
      "      clientKey: Id",
      "      name: Title",
      "  - path: exports/plain.csv",
      "",
    ].join("\n");
    const dir = manifestDir({ "sift-run-sync.yaml": config });
    mkdirSync(join(dir, "exports"));
    const mapped = (edit: string) =>
      `Id,Title\n${Array.from({ length: 10 }, (_, i) => `lm-${i},${i === 4 ? edit : `T${i}`}`).join("\n")}\n`;
    writeFileSync(join(dir, "exports/mapped.csv"), mapped("T4"));
    writeFileSync(join(dir, "exports/plain.csv"), csv("lp", original().slice(0, 10)));
    const args = ["--config", "sift-run-sync.yaml"];
    expect((await runCli(emulator(), ["apply", ...args], dir)).code).toBe(0);
    writeFileSync(join(dir, "exports/mapped.csv"), mapped("T4 (revised)"));
    const rows = original().slice(0, 10);
    rows[2] = [2, "run 2 (revised)"];
    writeFileSync(join(dir, "exports/plain.csv"), csv("lp", rows));
    const cached = await runCli(
      emulator(),
      ["plan", ...args, "--format", "json", "--log-level", "info"],
      dir,
    );
    const full = await runCli(emulator(), ["plan", ...args, "--format", "json", "--no-cache"], dir);
    expect(cached.stdout).toBe(full.stdout);
    expect(matchedLines(cached.stderr)).toBe(18);
    expect(cached.stdout).toMatch(/"clientKey":"lm-4","action":"update"/);
    expect(cached.stdout).toMatch(/"clientKey":"lp-2","action":"update"/);
    expect(cached.stdout).toMatch(/"clientKey":"lp-3","action":"unchanged"/);
  });

  it("takes the unchanged lines of a JSON Lines manifest from the cache too", async () => {
    const jsonl = (rows: [number, string][]) =>
      `${rows.map(([i, name]) => JSON.stringify({ clientKey: `lj-${i}`, name })).join("\n")}\n`;
    const dir = manifestDir({ "runs.jsonl": jsonl(original()) });
    expect((await runCli(emulator(), ["apply", "runs.jsonl"], dir)).code).toBe(0);
    const rows = original();
    rows[6] = [6, "run 6 (revised)"];
    rows.splice(30, 1);
    writeFileSync(join(dir, "runs.jsonl"), jsonl(rows));
    const args = ["plan", "runs.jsonl", "--format", "json"];
    const cached = await runCli(emulator(), [...args, "--log-level", "info"], dir);
    const full = await runCli(emulator(), [...args, "--no-cache"], dir);
    expect(cached.stdout).toBe(full.stdout);
    expect(matchedLines(cached.stderr)).toBe(ROWS - 2);
    expect(cached.stdout).toMatch(/"clientKey":"lj-6","action":"update"/);
  });

  it("keeps matching lines after plans that found a change (a pull request's previews)", async () => {
    const dir = manifestDir({ "runs.csv": csv("lp2", original()) });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    const rows = original();
    rows[3] = [3, "run 3 (revised)"];
    writeFileSync(join(dir, "runs.csv"), csv("lp2", rows));
    // The pending update is not in sync: each plan drops its row, and the file's record with it.
    for (let night = 0; night < 3; night++) {
      const plan = await planBoth(dir);
      expect(plan.cached.stdout).toBe(plan.full.stdout);
      expect(plan.matched).toBe(ROWS - 1);
    }
  });

  it("reports a line written twice as the duplicate a full read reports", async () => {
    const dir = manifestDir({ "runs.csv": csv("ld", original()) });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    const rows = original();
    rows.splice(12, 0, rows[4]!);
    writeFileSync(join(dir, "runs.csv"), csv("ld", rows));
    const night = await planBoth(dir);
    expect(night.cached.code).toBe(1);
    expect(night.full.code).toBe(1);
    expect(night.cached.stderr).toContain("runs.csv:14 clientKey:");
    expect(night.cached.stdout).toBe(night.full.stdout);
  });

  it("records the edited file again, so that the next night skips it whole", async () => {
    const dir = manifestDir({ "runs.csv": csv("lr", original()) });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    const rows = original();
    rows[9] = [9, "run 9 (revised)"];
    writeFileSync(join(dir, "runs.csv"), csv("lr", rows));
    const applied = await runCli(emulator(), ["apply", "runs.csv", "--log-level", "info"], dir);
    expect(applied.code).toBe(0);
    expect(matchedLines(applied.stderr)).toBe(ROWS - 1);
    expect(applied.stdout).toMatch(/0 created, 1 updated, 39 unchanged/);
    emulator().resetStats();
    const next = await runCli(emulator(), ["apply", "runs.csv", "--log-level", "info"], dir);
    expect(next.stderr).toContain("1 of 1 manifest file not parsed");
    expect(next.stdout).toMatch(/0 created, 0 updated, 40 unchanged/);
    expect(emulator().stats().writes).toBe(0);
  });
});
