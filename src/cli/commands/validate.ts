import { plural } from "../../core/words.js";
import type { Command } from "commander";
import { formatProblem, ManifestError, type Problem } from "../../core/errors.js";
import type { Resolution, RunSpec, ValidationResult } from "../../manifest/index.js";
import { escapeControl } from "../../report/safe-text.js";
import type { CommandContext } from "../context.js";
import {
  addCommonOptions,
  addCsvOptions,
  clientKeyCheckOption,
  parsePositiveInt,
} from "../options.js";
import type { ValidateFlags } from "../flags.js";
import { addConfigOption } from "./input.js";
import { dstDecisionLines } from "./shared.js";

/**
 * `validate [paths...]`: offline; parses and checks manifests (or the sources of a sync
 * config). Prints a summary on stdout; when anything is wrong, the problems go to stderr
 * (via main's ManifestError handler) and the exit code is 1. `--show N` first prints the
 * first N runs as read, as a YAML manifest, so a user sees what a mapping made of a file.
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
    const { resolveInput } = await import("./input.js");
    const input = await resolveInput(paths, flags, ctx.io);
    const shown: RunSpec[] = [];
    const marks = new Map<RunSpec, readonly Resolution[]>();
    const onRun = (spec: RunSpec, resolved?: readonly Resolution[]) => {
      if (shown.length >= (flags.show ?? 0)) return;
      shown.push(spec);
      if (resolved) marks.set(spec, resolved);
    };
    const onWarning = (warning: Problem) =>
      ctx.io.stderr.write(`warning: ${escapeControl(formatProblem(warning))}\n`);
    // Flags win over the config's options, as for plan and apply.
    const keyCheck = flags.clientKeyCheck ?? input.config?.options.clientKeyCheck ?? "sift";
    const options = {
      cwd: ctx.io.cwd,
      stdoutFile: ctx.io.stdoutFile,
      onRun,
      onWarning,
      warnClientKeys: keyCheck === "sift",
    };
    const { noteOwnFiles } = await import("../own-files.js");
    const note = (line: string) => ctx.io.stderr.write(`note: ${escapeControl(line)}\n`);
    await noteOwnFiles(input.paths, { ...options, config: input.config }, note);
    let result: ValidationResult;
    if (input.config === undefined) {
      const { validateManifests } = await import("../../manifest/index.js");
      const { csvDialectOf } = await import("../options.js");
      const { spoolInputs } = await import("../stdin.js");
      const csv = csvDialectOf(flags);
      const spooled = await spoolInputs(input.paths, flags.stdinFormat, ctx.io);
      try {
        const { stdin, pipes } = spooled ?? {};
        result = await validateManifests(input.paths, {
          ...options,
          csv,
          stdin,
          pipes,
          unicode: flags.unicode,
        });
      } finally {
        await spooled?.remove();
      }
    } else {
      const { validateSources } = await import("../../sources/index.js");
      result = await validateSources(input.config, { ...options, unicode: flags.unicode });
    }
    if (flags.show === undefined) ctx.io.stdout.write(renderSummary(result));
    else {
      const { renderShownRuns } = await import("../../manifest/index.js");
      ctx.io.stdout.write(renderShownRuns(shown, marks));
      ctx.io.stdout.write(renderSummary(result).replace(/^(?=.)/gm, "# "));
    }
    if (result.totalProblems > 0) throw new ManifestError(result.problems, result.totalProblems);
  });
}

function renderSummary(result: ValidationResult): string {
  const lines = result.files.map(
    // A file name is shown as stderr and the reports show it: no escape sequence, line break or
    // direction override of a name reaches the terminal (or a CI log) raw.
    (file, i) => `${escapeControl(file)}: ${plural(result.runsPerFile[i] ?? 0, "run")}`,
  );
  const verdict = result.totalProblems === 0 ? "valid" : "invalid";
  lines.push(
    `${verdict}: ${plural(result.files.length, "file")}, ${plural(result.runs, "run")}, ${plural(result.totalProblems, "error")}` +
      (result.totalWarnings > 0 ? `, ${plural(result.totalWarnings, "warning")}` : ""),
  );
  // Not problems, but decisions the user should see: `3 local times resolved by dst: later`.
  lines.push(...dstDecisionLines(result.resolved));
  return lines.join("\n") + "\n";
}
