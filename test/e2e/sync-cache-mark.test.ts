import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeCache } from "../../src/cache/cache-file.js";
import { manifestDir, runCli, SEED, useEmulator } from "./harness.js";

const HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();
const KEYS = ["mk-0", "mk-1", "mk-2"];

// Runs a backfill left an hour ago: the newest modifiedDate Sift holds is an hour old.
const emulator = useEmulator({
  seed: {
    ...SEED,
    runs: KEYS.map((clientKey) => ({ clientKey, name: clientKey, modifiedDate: HOUR_AGO })),
  },
});

function marks(dir: string): string[] {
  const [name] = readdirSync(join(dir, ".sift-run-sync"));
  const data = decodeCache(readFileSync(join(dir, ".sift-run-sync", name!)));
  return data.meta.epochs.map((e) => e.highWaterMark);
}

describe("the sync cache's high-water mark", () => {
  it("is Sift's clock when the sync began (its Date header), not only the newest modifiedDate", async () => {
    const dir = manifestDir({
      "runs.csv": `clientKey,name\n${KEYS.map((k) => `${k},${k}`).join("\n")}\n`,
    });
    const started = Math.floor(Date.now() / 1000) * 1000;
    const first = await runCli(emulator(), ["plan", "runs.csv"], dir);
    expect(first.stdout).toContain("No changes");
    const [mark] = marks(dir);
    // An hour-old mark would list the last hour's writes again every night while none came.
    expect(Date.parse(mark!)).toBeGreaterThanOrEqual(started);
    emulator().resetStats();
    const second = await runCli(emulator(), ["plan", "runs.csv", "--log-level", "info"], dir);
    expect(second.stderr).toContain('"knownInSync":3');
    expect(second.stderr).toContain('"changedInSift":0');
    expect(emulator().stats().requests.ListRuns).toBe(2);
  });
});
