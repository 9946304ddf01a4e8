import { execFile } from "node:child_process";
import { createReadStream, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "../reliability/support/processes.js";
import { manifestDir, SEED } from "../e2e/harness.js";
import { startEmulator } from "../../src/emulator/index.js";

/**
 * The export streams: runs whose JSON is about twice the CLI's whole heap are exported
 * by a CLI process with that small heap. Holding the rows (or the pages) would abort it.
 */
// 64 MB: under the emulator's default `--defaults emit`, a 1,000-run page carries every default
// field and its JSON.parse alone peaks near 48 MB; the runs' JSON (~120 MB) still cannot fit.
const SMALL_HEAP = "--max-old-space-size=64";
const RUNS = 20_000;
const DESCRIPTION_CHARS = 6_000; // 20,000 × 6 KB ≈ 120 MB of descriptions

const run = promisify(execFile);

describe("export in bounded memory", () => {
  const dir = manifestDir({});
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`exports ${RUNS.toLocaleString("en-US")} runs (~120 MB) with a 64 MB heap`, async () => {
    const emulator = await startEmulator({ port: 0, seed: SEED });
    try {
      const description = "d".repeat(DESCRIPTION_CHARS);
      emulator.load({
        runs: Array.from({ length: RUNS }, (_, i) => ({
          ...(i % 4 === 0 ? {} : { clientKey: `mem-${i}` }),
          name: `Run ${i}`,
          description,
          tags: ["bulk"],
          metadata: { altitude_m: i },
        })),
      } as never);
      const out = join(dir, "runs.csv");
      const { stderr } = await run(process.execPath, [SMALL_HEAP, BIN, "export", "--out", out], {
        env: { ...process.env, SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" },
        maxBuffer: 1 << 20,
      });
      expect(stderr).toMatch(
        /exported 20,000 runs to .*runs\.csv \(csv\); 5,000 runs had no clientKey/,
      );
      expect(statSync(out).size).toBeGreaterThan(RUNS * DESCRIPTION_CHARS);
      let lines = 0;
      for await (const _ of createInterface({ input: createReadStream(out) })) lines++;
      expect(lines).toBe(RUNS + 1);
    } finally {
      await emulator.close();
    }
  }, 180_000);
});
