import { type Command, Option } from "commander";
import type { SyncMode } from "../../plan/diff.js";
import type { ChangeLimit } from "../../plan/guard.js";
import type { Shard } from "../../plan/shard.js";
import type { CommandContext } from "../main.js";
import {
  addCommonOptions,
  addConnectionOptions,
  addCsvOptions,
  addOperatorOptions,
  addSyncOptions,
  type CsvFlags,
} from "../options.js";
import type { SessionFlags } from "../session.js";

export interface PlanFlags extends SessionFlags, CsvFlags {
  out?: string;
  format: "table" | "markdown" | "json";
  detailedExitcode?: boolean;
  metadata: "merge" | "replace";
  mode: SyncMode;
  ignore?: string[];
  shard?: Shard;
  progress: boolean;
  skipInvalid?: boolean;
  maxChanges?: ChangeLimit;
  only?: string[];
  retryFailed?: string;
}

export function addPlanOptions(cmd: Command): Command {
  return cmd
    .option("--out <file>", "save the plan (JSON) for `apply --plan FILE`")
    .addOption(
      new Option("--format <format>", "report on stdout")
        .choices(["table", "markdown", "json"])
        .default("table"),
    );
}

export function registerPlan(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command("plan")
    .description("show what apply would change: reads Sift, writes nothing")
    .argument("<paths...>", "manifest files or directories")
    .option(
      "--detailed-exitcode",
      "exit 0 when there are no changes, 2 when there are, 1 on error",
    );
  addCommonOptions(
    addOperatorOptions(addCsvOptions(addSyncOptions(addConnectionOptions(addPlanOptions(cmd))))),
  );
  cmd.action(async (paths: string[], flags: PlanFlags) => {
    // Loaded on use: `--help` and the other commands need none of the pipeline.
    const { runPlan } = await import("./run-plan.js");
    ctx.setExitCode(await runPlan(paths, flags, ctx.io));
  });
}
