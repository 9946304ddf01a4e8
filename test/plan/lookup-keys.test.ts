import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { readManifestRows } from "../../src/manifest/index.js";
import { LookupKeys } from "../../src/plan/prefetch.js";
import { manifestDir } from "../e2e/harness.js";

/** The clientKeys gathered for the lookups ahead of the plan hold nothing of the file's text. */
describe("LookupKeys", () => {
  it("keeps copies of the keys, not views of the lines they were read from", async () => {
    // ~40 KB lines: a key cut from one keeps the line alive (holding 300 keys: ~12 MB).
    const pad = "x".repeat(40_000);
    const lines = ["clientKey,name,description"];
    for (let i = 0; i < 300; i++) lines.push(`key-${i}-of-the-manifest,Run ${i},${pad}`);
    const dir = manifestDir({ "runs.csv": `${lines.join("\n")}\n`, "warm.csv": "clientKey\nk\n" });
    for await (const row of readManifestRows([join(dir, "warm.csv")])) void row; // modules loaded
    const before = heapAfterGc();
    const keys = new LookupKeys(() => -1);
    for await (const row of readManifestRows([join(dir, "runs.csv")])) keys.visit(row);
    const retained = heapAfterGc() - before;
    expect([...keys.values()].slice(0, 2)).toEqual([
      "key-0-of-the-manifest",
      "key-1-of-the-manifest",
    ]);
    expect(keys.size).toBe(300);
    expect(retained).toBeLessThan(3_000_000);
  });
});

/** heapUsed after full collections (gc exposed at run time, as --expose-gc would). */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}
