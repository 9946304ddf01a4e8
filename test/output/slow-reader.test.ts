import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { SEED, useEmulator } from "../e2e/harness.js";
import { captureIo } from "../helpers/io.js";
import { runsDir } from "./support.js";

/**
 * Issue 11, wide sheets in bounded memory: stdout into a pipe buffers whatever its reader has
 * not taken yet, so a plan of 10,000 wide runs read by a slower `jq` held its whole report
 * (~120 MB of text) in memory. The plan (and export) waits for stdout to drain.
 */
describe("a slow reader of the report", () => {
  const emulator = useEmulator({ seed: SEED });

  /** A CLI io whose stdout is a pipe whose reader is always behind: every wait is counted. */
  function slowReaderIo() {
    const io = captureIo({ SIFT_REST_URI: emulator().url, SIFT_API_KEY: "local" });
    const write = io.stdout.write;
    const seen = { waits: 0, writtenWhileWaiting: 0 };
    let waiting = false;
    io.stdout = {
      isTTY: false,
      write(text: string) {
        if (waiting) seen.writtenWhileWaiting++;
        return write(text);
      },
      drained() {
        seen.waits++;
        waiting = true;
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            waiting = false;
            resolve();
          }),
        );
      },
    };
    return { io, seen };
  }

  it("holds the plan back: nothing is written while stdout waits to drain", async () => {
    const dir = runsDir(300);
    const { io, seen } = slowReaderIo();
    expect(await main(["plan", dir, "--format", "json"], io)).toBe(0);
    expect(JSON.parse(io.out()).changes).toHaveLength(300);
    expect(seen.waits).toBe(300); // a wait after each change
    expect(seen.writtenWhileWaiting).toBe(0);
  });

  it("holds an export back too: no page is written while stdout waits to drain", async () => {
    emulator().load({
      runs: Array.from({ length: 2500 }, (_, i) => ({ clientKey: `slow-${i}`, name: `Slow ${i}` })),
    });
    const { io, seen } = slowReaderIo();
    expect(await main(["export", "--format", "yaml"], io)).toBe(0);
    expect(io.out().match(/clientKey: slow-/g)).toHaveLength(2500);
    expect(seen.waits).toBeGreaterThanOrEqual(3); // a wait after each page of runs
    expect(seen.writtenWhileWaiting).toBe(0);
  });
});
