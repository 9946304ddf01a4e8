import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { CommandContext } from "../main.js";
import { addCommonOptions } from "../options.js";

export function registerApply(program: Command, _ctx: CommandContext): void {
  addCommonOptions(program.command("apply").description("(not implemented yet)")).action(() => {
    throw new UsageError("'apply' is not implemented yet");
  });
}
