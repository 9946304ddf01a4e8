import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import {
  addCommonOptions,
  addCsvOptions,
  clientKeyCheckOption,
  parsePositiveInt,
} from "../options.js";
import type { ValidateFlags } from "../flags.js";
import { addConfigOption } from "./input.js";

/**
 * `validate [paths...]`: offline; parses and checks manifests (or the sources of a sync
 * config), over the one lifecycle (run-validate.ts). Prints a summary on stdout; when anything
 * is wrong, the problems go to stderr (via main's ManifestError handler) and the exit code is
 * 1. `--show N` first prints the first N runs as read, as a YAML manifest, so a user sees what
 * a mapping made of a file.
 */
export function registerValidate(cmd: Command, ctx: CommandContext): void {
  addCommonOptions(
    addCsvOptions(
      addConfigOption(
        cmd
          .option(
            "--show <n>",
            "print the first N runs as read, as a YAML manifest (the summary follows as comments)",
            parsePositiveInt,
          )
          .addOption(clientKeyCheckOption()),
      ),
    ),
  ).action(async (paths: string[], flags: ValidateFlags) => {
    // Loaded on use: `--help` and the other commands need none of the pipeline.
    const { declareValidate } = await import("./run-validate.js");
    await ctx.run(declareValidate(paths, flags, ctx.io));
  });
}
