import { type Command, Option } from "commander";
import type { CommandContext } from "../context.js";
import {
  addCommonOptions,
  addConnectionOptions,
  addCsvOptions,
  addSyncOptions,
  parsePositiveInt,
  parsePositiveNumber,
} from "../options.js";
import type { DoctorFlags } from "../flags.js";
import { addConfigOption } from "./input.js";

export function registerDoctor(cmd: Command, ctx: CommandContext): void {
  cmd
    .addOption(
      new Option("--format <format>", "report on stdout")
        .choices(["table", "json"])
        .default("table"),
    )
    .option(
      "--estimate <n>",
      "estimate a cold backfill of N runs (default: the manifests' runs) at the measured latency",
      parsePositiveInt,
    )
    .option(
      "--write-probe",
      "also create one run (clientKey srs-doctor-<random>), update it and archive it, to prove the key can write",
    );
  addCommonOptions(addCsvOptions(addSyncOptions(addConnectionOptions(addConfigOption(cmd)))));
  if (!cmd.options.some((option) => option.long === "--timeout")) {
    cmd.option(
      "--timeout <seconds>",
      "give up on a request after this long (doctor: 10)",
      parsePositiveNumber,
    );
  }
  cmd.action(async (paths: string[], flags: DoctorFlags, command: Command) => {
    const { declareDoctor } = await import("./run-doctor.js");
    const { readDoctorCommand } = await import("./doctor-options.js");
    const read = () => readDoctorCommand(paths, flags, command, ctx.io);
    const early = { format: flags.format, writeProbe: flags.writeProbe === true };
    await ctx.run(declareDoctor(read, early, ctx.io));
  });
}
