import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { CommandContext } from "../main.js";
import { addCommonOptions } from "../options.js";

export function registerPlan(program: Command, _ctx: CommandContext): void {
  addCommonOptions(program.command("plan").description("(not implemented yet)")).action(() => {
    throw new UsageError("'plan' is not implemented yet");
  });
}
