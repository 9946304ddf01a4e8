import type { CliIo } from "./io.js";

/** What a command gets from `main`: the process's io and a way to set the exit code. */
export interface CommandContext {
  io: CliIo;
  setExitCode(code: number): void;
}
