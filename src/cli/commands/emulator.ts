import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { CommandContext } from "../main.js";
import { addCommonOptions } from "../options.js";

export function registerEmulator(program: Command, _ctx: CommandContext): void {
  addCommonOptions(program.command("emulator").description("(not implemented yet)")).action(() => {
    throw new UsageError("'emulator' is not implemented yet");
  });
}
