import { type Command, Option } from "commander";
import { exitCodesHelp } from "../exit-codes.js";
import type { CommandContext } from "../context.js";
import {
  addCommonOptions,
  addConnectionOptions,
  parsePositiveInt,
  parsePositiveNumber,
} from "../options.js";
import type { ExportFlags } from "../flags.js";

/** `export`: Sift's runs as a manifest that plans back to "No changes". */
export function registerExport(cmd: Command, ctx: CommandContext): void {
  cmd
    .option(
      "--filter <cel>",
      "only the runs this ListRuns filter matches, e.g. \"name.startsWith('TV')\"",
    )
    .option("--include-archived", "export archived runs too (left out by default)")
    .addOption(
      new Option(
        "--format <format>",
        "manifest format (default: from --out's extension, else csv)",
      ).choices(["csv", "yaml"]),
    )
    .option("--out <file>", "write the manifest to FILE (atomically) instead of stdout")
    .option(
      "--key-template <template>",
      "clientKey for runs without one: {runId}, {name}, {startTime}",
      "run-{runId}",
    )
    .option("--concurrency <n>", "max HTTP requests in flight", parsePositiveInt, 8)
    .option("--max-rps <n>", "max requests per second", parsePositiveNumber);
  addCommonOptions(addConnectionOptions(cmd));
  cmd.addHelpText("after", exitCodesHelp());
  cmd.action(async (flags: ExportFlags) => {
    const { declareExport } = await import("./run-export.js");
    await ctx.run(declareExport(flags, ctx.io));
  });
}
