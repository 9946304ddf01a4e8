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
    env,
    cwd,
    onInterrupt: () => () => {},
    out: () => out,
    err: () => err,
  };
}
