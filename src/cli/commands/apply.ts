import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { exitCodesHelp } from "../exit-codes.js";
import type { CommandContext } from "../context.js";
import {
  addCommonOptions,
  addConnectionOptions,
  addCsvOptions,
  addOperatorOptions,
  addSyncOptions,
  parsePositiveInt,
} from "../options.js";
import { addConfigOption } from "./input.js";
import type { ApplyFlags } from "../flags.js";
import { addPlanOptions, readInput } from "./plan.js";

export function registerApply(cmd: Command, ctx: CommandContext): void {
  cmd
    .option("--dry-run", "only plan: the same as `plan`")
    .option(
      "--detailed-exitcode",
      "with --dry-run: exit 0 for no changes, 2 for changes, 1 on error, 3 when a guard refuses",
    )
    .option("--plan <file>", "apply exactly this saved plan (from `plan --out`)")
    .option(
      "--expect-digest <sha256>",
      "with --plan: apply the file only if its digest is this one (the reviewed plan's sha256:...)",
    )
    .option("--results <file>", "write one line per run: .csv or .jsonl")
    .option("--fail-fast", "stop at the first failed run; the rest are reported as skipped")
    .option(
      "--limit <n>",
      "apply only the first N creates and updates (a canary); the rest are reported as skipped",
      parsePositiveInt,
    );
  addCommonOptions(
    addOperatorOptions(
      addCsvOptions(addSyncOptions(addConnectionOptions(addPlanOptions(addConfigOption(cmd))))),
    ),
  );
  cmd.addHelpText("after", exitCodesHelp());
  cmd.action(async (paths: string[], flags: ApplyFlags, command: Command) => {
    const { readApplyCommand } = await import("./sync-options.js");
    if (flags.plan !== undefined && flags.config !== undefined) {
      throw new UsageError("give either --config FILE or --plan FILE, not both");
    }
    if (flags.plan === undefined) await readInput(paths, flags, command, ctx.io);
    const read = () => readApplyCommand(paths, flags, ctx.io);
    if (flags.dryRun) {
      // The same as `plan`, once apply's own flags are checked.
      const { declarePlan } = await import("./run-plan.js");
      await ctx.run(declarePlan(read, flags.format, ctx.io));
    } else {
      const { declareApply } = await import("./run-apply.js");
      await ctx.run(declareApply(read, flags.format, ctx.io));
    }
  });
}
