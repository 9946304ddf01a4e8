import type { Command } from "commander";
import { ManifestError } from "../../core/errors.js";
import type { ValidationResult } from "../../manifest/index.js";
import type { CommandContext } from "../main.js";
import { addCommonOptions, addCsvOptions, type CsvFlags, csvDialectOf } from "../options.js";

/**
 * `validate <paths...>`: offline; parses and checks manifests. Prints a summary on stdout;
 * when anything is wrong, the problems go to stderr (via main's ManifestError handler) and
 * the exit code is 1.
 */
export function registerValidate(program: Command, ctx: CommandContext): void {
  addCommonOptions(
    addCsvOptions(
      program
        .command("validate")
        .description("parse and check manifests offline, reporting every problem")
        .argument("<paths...>", "manifest files, or directories of *.csv, *.yaml, *.yml, *.json"),
    ),
  ).action(async (paths: string[], flags: CsvFlags) => {
    const { validateManifests } = await import("../../manifest/index.js");
    const result = await validateManifests(paths, { cwd: ctx.io.cwd, csv: csvDialectOf(flags) });
    ctx.io.stdout.write(renderSummary(result));
    if (result.totalProblems > 0) throw new ManifestError(result.problems, result.totalProblems);
  });
}

export function renderSummary(result: ValidationResult): string {
  const lines = result.files.map(
    (file, i) => `${file}: ${plural(result.runsPerFile[i] ?? 0, "run")}`,
  );
  const verdict = result.totalProblems === 0 ? "valid" : "invalid";
  lines.push(
    `${verdict}: ${plural(result.files.length, "file")}, ${plural(result.runs, "run")}, ${plural(result.totalProblems, "error")}`,
  );
  return lines.join("\n") + "\n";
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}
