import type { Command } from "commander";
import type { CommandContext } from "../main.js";
import {
  addCommonOptions,
  addConnectionOptions,
  addCsvOptions,
  addOperatorOptions,
  addSyncOptions,
  parsePositiveInt,
} from "../options.js";
import { addPlanOptions, type PlanFlags } from "./plan.js";

export interface ApplyFlags extends PlanFlags {
  dryRun?: boolean;
  plan?: string;
  results?: string;
  failFast?: boolean;
  limit?: number;
}

export function registerApply(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command("apply")
    .description("make Sift match the manifests (or exactly a saved plan)")
    .argument("[paths...]", "manifest files or directories")
    .option("--dry-run", "only plan: the same as `plan`")
    .option(
      "--detailed-exitcode",
      "with --dry-run: exit 0 for no changes, 2 for changes, 1 on error",
    )
    .option("--plan <file>", "apply exactly this saved plan (from `plan --out`)")
    .option("--results <file>", "write one line per run: .csv or .jsonl")
    .option("--fail-fast", "stop at the first failed run; the rest are reported as skipped")
    .option(
      "--limit <n>",
      "apply only the first N creates and updates (a canary); the rest are reported as skipped",
      parsePositiveInt,
    );
  addCommonOptions(
    addOperatorOptions(addCsvOptions(addSyncOptions(addConnectionOptions(addPlanOptions(cmd))))),
  );
  cmd.action(async (paths: string[], flags: ApplyFlags) => {
    const { runApply } = await import("./run-apply.js");
    ctx.setExitCode(await runApply(paths, flags, ctx.io));
  });
}
