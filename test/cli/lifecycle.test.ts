import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import type { StopSignal } from "../../src/cli/io.js";
import { type Ending, runCommand } from "../../src/cli/lifecycle.js";
import { captureIo } from "../helpers/io.js";

/** A captured io whose Ctrl-C the test presses. */
function interruptibleIo() {
  const io = captureIo();
  let handler: ((signal: StopSignal) => void) | undefined;
  io.onInterrupt = (h) => {
    handler = h;
    return () => (handler = undefined);
  };
  return { io, press: (signal: StopSignal) => handler?.(signal) };
}

describe("runCommand: one lifecycle for every command", () => {
  it("a command that fails gets one closing document with its failure, and the error goes on", async () => {
    const io = captureIo();
    const endings: Ending[] = [];
    const failing = runCommand(io, {
      options: () => ({ n: 1 }),
      end: (ending) => endings.push(ending),
      run: async () => {
        throw new UsageError("--limit: expected a whole number");
      },
    });
    await expect(failing).rejects.toThrow(UsageError);
    expect(endings).toHaveLength(1);
    expect(endings[0]!.failure).toEqual({
      code: "USAGE",
      message: "--limit: expected a whole number",
    });
    expect(endings[0]!.interrupted).toBeUndefined();
  });

  it("a bad flag fails inside the lifecycle: the closing document says why", async () => {
    const endings: Ending[] = [];
    const ran: unknown[] = [];
    await expect(
      runCommand(captureIo(), {
        options: () => {
          throw new UsageError("--ignore: unknown field");
        },
        end: (ending) => endings.push(ending),
        run: async (options) => {
          ran.push(options);
          return EXIT.ok;
        },
      }),
    ).rejects.toThrow("--ignore: unknown field");
    expect(ran).toEqual([]);
    expect(endings.map((e) => e.failure.code)).toEqual(["USAGE"]);
  });

  it("Ctrl-C: the exit code of the signal, whatever the command returns, one document", async () => {
    const { io, press } = interruptibleIo();
    const endings: Ending[] = [];
    const code = await runCommand(io, {
      options: () => ({}),
      graceMs: 0,
      endAtStop: true,
      end: (ending) => endings.push(ending),
      run: async (_options, life) => {
        press("SIGINT");
        expect(life.interrupted()).toBe(EXIT.interrupted);
        life.end({ failure: { code: "X", message: "ended twice" } }); // ignored: one document
        return EXIT.ok;
      },
    });
    expect(code).toBe(EXIT.interrupted);
    expect(endings).toHaveLength(1);
    expect(endings[0]!).toMatchObject({
      failure: { code: "INTERRUPTED" },
      interrupted: EXIT.interrupted,
    });
  });

  it("SIGTERM while the command fails: 143, not the error", async () => {
    const { io, press } = interruptibleIo();
    const endings: Ending[] = [];
    const code = await runCommand(io, {
      options: () => ({}),
      end: (ending) => endings.push(ending),
      run: async () => {
        press("SIGTERM");
        throw new Error("aborted");
      },
    });
    expect(code).toBe(EXIT.terminated);
    expect(endings.map((e) => e.interrupted)).toEqual([EXIT.terminated]);
  });

  it("quitAtStop: the first signal exits at once with its code (validate: nothing to finish)", async () => {
    const { io, press } = interruptibleIo();
    const exits: number[] = [];
    io.exit = (code) => exits.push(code);
    await runCommand(io, {
      options: () => ({}),
      graceMs: 0,
      quitAtStop: true,
      run: async () => {
        press("SIGTERM");
        expect(exits).toEqual([EXIT.terminated]);
        return EXIT.ok;
      },
    });
    expect(exits).toEqual([EXIT.terminated]);
  });

  it("a command that ends on its own writes its own document: end is not called", async () => {
    const endings: Ending[] = [];
    const code = await runCommand(captureIo(), {
      options: () => ({ changes: true }),
      end: (ending) => endings.push(ending),
      run: async (options) => (options.changes ? EXIT.changes : EXIT.ok),
    });
    expect(code).toBe(EXIT.changes);
    expect(endings).toEqual([]);
  });

  it("SIFT_RUN_SYNC_STOP_SCALE scales the grace the command is told of", async () => {
    const { io, press } = interruptibleIo();
    io.env.SIFT_RUN_SYNC_STOP_SCALE = "0.1";
    const graces: number[] = [];
    const code = await runCommand(io, {
      options: () => ({}),
      stopOutcome: (graceMs) => {
        graces.push(graceMs);
        return "stopped";
      },
      run: async (_options, life) => {
        press("SIGINT");
        await new Promise((resolve) => life.stop.stopping.abort.addEventListener("abort", resolve));
        return EXIT.ok;
      },
    });
    expect(code).toBe(EXIT.interrupted);
    expect(graces).toEqual([500]);
  });

  it.each(["0", "2", "fast"])(
    "SIFT_RUN_SYNC_STOP_SCALE=%s is a usage error, with its closing document",
    async (value) => {
      const endings: Ending[] = [];
      const ran: unknown[] = [];
      await expect(
        runCommand(captureIo({ SIFT_RUN_SYNC_STOP_SCALE: value }), {
          options: () => ({}),
          end: (ending) => endings.push(ending),
          run: async (options) => {
            ran.push(options);
            return EXIT.ok;
          },
        }),
      ).rejects.toThrow(`SIFT_RUN_SYNC_STOP_SCALE=${value} is not a number in (0, 1]`);
      expect(ran).toEqual([]);
      expect(endings.map((e) => e.failure.code)).toEqual(["USAGE"]);
    },
  );
});
