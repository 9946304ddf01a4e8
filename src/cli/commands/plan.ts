import { type Command, Option } from "commander";
import { exitCodesHelp } from "../exit-codes.js";
import type { CommandContext } from "../context.js";
import {
  addCommonOptions,
  addConnectionOptions,
  addCsvOptions,
  addOperatorOptions,
  addSyncOptions,
} from "../options.js";
import type { PlanFlags } from "../flags.js";
import { addConfigOption } from "./input.js";

/**
 * Resolves where the runs come from (paths, --config, or ./sift-run-sync.yaml) into
 * `flags.syncConfig`, and takes the config's options where no flag was given.
 */
export async function readInput(
  paths: string[],
  flags: InputFlags,
  command: Command,
  io: CommandContext["io"],
): Promise<void> {
  const { applyConfigOptions, resolveInput } = await import("./input.js");
  const input = await resolveInput(paths, flags, io);
  flags.syncConfig = input.config;
  applyConfigOptions(flags as unknown as Record<string, unknown>, input.config, command);
}

/** The flags readInput reads and sets (plan's, apply's, doctor's). */
type InputFlags = Pick<PlanFlags, "config" | "syncConfig" | "delimiter" | "encoding">;

export function addPlanOptions(cmd: Command): Command {
  return cmd
    .option("--out <file>", "save the plan (JSON) for `apply --plan FILE`")
    .addOption(
      new Option("--format <format>", "report on stdout")
        .choices(["table", "markdown", "json"])
        .default("table"),
    );
}

export function registerPlan(cmd: Command, ctx: CommandContext): void {
  cmd.option(
    "--detailed-exitcode",
    "exit 0 when there are no changes, 2 when there are, 1 on error, 3 when a guard refuses",
  );
  addCommonOptions(
    addOperatorOptions(
      addCsvOptions(addSyncOptions(addConnectionOptions(addPlanOptions(addConfigOption(cmd))))),
    ),
  );
  cmd.addHelpText("after", exitCodesHelp());
  cmd.action(async (paths: string[], flags: PlanFlags, command: Command) => {
    // Loaded on use: `--help` and the other commands need none of the pipeline.
    const { declarePlan } = await import("./run-plan.js");
    const { readPlanCommand } = await import("./sync-options.js");
    await readInput(paths, flags, command, ctx.io);
    const read = () => readPlanCommand(paths, flags, ctx.io);
    await ctx.run(declarePlan(read, flags.format, ctx.io));
  });
}
