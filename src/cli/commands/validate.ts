import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { CommandContext } from "../main.js";
import { addCommonOptions } from "../options.js";

export function registerValidate(program: Command, _ctx: CommandContext): void {
  addCommonOptions(program.command("validate").description("(not implemented yet)")).action(() => {
    throw new UsageError("'validate' is not implemented yet");
  });
}
