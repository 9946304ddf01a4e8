import type { CliIo } from "../../src/cli/io.js";

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** A CliIo that records stdout and stderr, for running `main` in-process. */
export function captureIo(
  env: Record<string, string | undefined> = {},
  cwd = process.cwd(),
): CapturedIo {
  let out = "";
  let err = "";
  return {
    stdout: {
      write: (s: string) => {
        out += s;
      },
      isTTY: false,
    },
    stderr: {
      write: (s: string) => {
        err += s;
      },
      isTTY: false,
    },
    env: { ...testWaits(), ...env },
    cwd,
    onInterrupt: () => () => {},
    out: () => out,
    err: () => err,
  };
}

/**
 * The environment every CLI a test runs gets unless it says otherwise: the retry backoff of
 * vitest.config.ts (a hundredth of the real one), so no test waits out a real retry budget.
 */
function testWaits(): Record<string, string> {
  const scale = process.env.SIFT_RUN_SYNC_BACKOFF_SCALE;
  return scale === undefined ? {} : { SIFT_RUN_SYNC_BACKOFF_SCALE: scale };
}
