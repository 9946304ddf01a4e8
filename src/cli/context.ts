import type { CommandDeclaration } from "./lifecycle.js";
import type { CliIo } from "./io.js";

/** What a command gets from `main`: the process's io, and the lifecycle to run it in. */
export interface CommandContext {
  io: CliIo;
  /** Runs the command through the one lifecycle (lifecycle.ts); its exit code is main's. */
  run<O>(command: CommandDeclaration<O>): Promise<void>;
  /** Sets the exit code of a command that needs no lifecycle (the emulator). */
  setExitCode(code: number): void;
}
