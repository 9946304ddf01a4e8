import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startEmulator } from "../../src/emulator/index.js";
import { captureIo } from "../helpers/io.js";
import { startLookupBreaker } from "./support/lookup-breaker.js";
import { readResults } from "./support/results.js";
import { BASE_SEED } from "./support/runs.js";

/**
 * The rows an apply stopped before reaching are named from the clientKeys the validating pass
 * recorded, not read again: invalid rows among them (`--skip-invalid`: a duplicate clientKey,
 * none at all, a bad value) and rows of two files are still each reported once, at their place.
 */
describe("the rows an apply did not reach", () => {
  it("are each named once with their clientKey and place, invalid ones too", async (t) => {
    const emulator = await startEmulator({ port: 0, seed: BASE_SEED });
    const breaker = await startLookupBreaker(emulator.url, 1);
    t.onTestFinished(async () => {
      await breaker.close();
      await emulator.close();
    });
    const dir = mkdtempSync(join(tmpdir(), "srs-unreached-"));
    // 1,200 keys: two lookup batches of at most 1,000; only the first is answered.
    const rows = Array.from({ length: 1200 }, (_, i) => `un-${i},Run ${i},`);
    rows.push("un-3,Again,"); // a duplicate clientKey
    rows.push(",No key,"); // no clientKey
    rows.push("un-bad,Bad,not-a-time"); // a bad value
    writeFileSync(join(dir, "a.csv"), `clientKey,name,startTime\n${rows.join("\n")}\n`);
    writeFileSync(join(dir, "b.csv"), "clientKey,name\nun-b1,B one\nun-b2,B two\n");
    const results = join(dir, "results.csv");
    const io = captureIo({ SIFT_REST_URI: breaker.url, SIFT_API_KEY: "local" }, dir);
    const args = ["apply", "a.csv", "b.csv", "--results", results, "--skip-invalid"];
    const code = await main([...args, "--no-progress", "--no-cache"], io);
    expect(code).toBe(1);
    const lines = readResults(results);
    const expected = new Map<string, string>([
      ...rows.map((row, i) => [`a.csv:${i + 2}`, row.split(",")[0]!] as const),
      ["b.csv:2", "un-b1"],
      ["b.csv:3", "un-b2"],
    ]);
    expect(lines).toHaveLength(expected.size);
    expect(new Map(lines.map((l) => [l.source, l.clientKey]))).toEqual(expected);
    const skipped = lines.filter((l) => l.status === "skipped");
    expect(skipped.length).toBeGreaterThan(200);
    expect(skipped.map((l) => l.source)).toEqual(
      expect.arrayContaining(["a.csv:1202", "a.csv:1203", "b.csv:3"]),
    );
  }, 60_000);
});
