import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * Issue 22: with a trusted sync cache, the few rows it does not know (changed in the manifests)
 * among many it knows are looked up in full batches, as a full read looks rows up, not one
 * small batch per stretch of known rows.
 */

const emulator = useEmulator();

const ROWS = 1800;

function csv(changed: (i: number) => boolean): string {
  const lines = ["clientKey,name,description"];
  for (let i = 0; i < ROWS; i++) lines.push(`sb-${i},run ${i}${changed(i) ? " (revised)" : ""},d`);
  return `${lines.join("\n")}\n`;
}

describe("rows changed among many known ones", () => {
  it("are looked up in one batch, and planned as a full read plans them", async () => {
    const dir = manifestDir({ "runs.csv": csv(() => false) });
    expect((await runCli(emulator(), ["apply", "runs.csv"], dir)).code).toBe(0);
    // What a night without change lists: the oldest run, and the runs changed in Sift (the
    // apply's own creates, within the margin), in pages.
    emulator().resetStats();
    await runCli(emulator(), ["plan", "runs.csv", "--format", "json"], dir);
    const quiet = emulator().stats().requests.ListRuns;
    // One changed row every 600: each in a lookup batch of its own before (cells bound them).
    writeFileSync(
      join(dir, "runs.csv"),
      csv((i) => i % 600 === 7),
    );

    const full = await runCli(
      emulator(),
      ["plan", "runs.csv", "--format", "json", "--no-cache"],
      dir,
    );
    emulator().resetStats();
    const cached = await runCli(emulator(), ["plan", "runs.csv", "--format", "json"], dir);
    // The same, and one lookup for the three rows (three before: one per stretch of known rows).
    expect(emulator().stats().requests.ListRuns).toBe(quiet + 1);
    expect(JSON.parse(cached.stdout)).toEqual(JSON.parse(full.stdout));
    expect(JSON.parse(cached.stdout).summary).toMatchObject({ update: 3, unchanged: ROWS - 3 });

    emulator().resetStats();
    const applied = await runCli(emulator(), ["apply", "runs.csv"], dir);
    expect(applied.stdout).toMatch(/0 created, 3 updated, 1,797 unchanged/);
    expect(emulator().stats().requests.ListRuns).toBe(quiet + 1);
  }, 120_000);
});
