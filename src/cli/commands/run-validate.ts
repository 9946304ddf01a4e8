import { formatProblem, ManifestError, type Problem } from "../../core/errors.js";
import type { UnicodeMode } from "../../core/unicode.js";
import { plural } from "../../core/words.js";
import type { CsvDialect, Resolution, RunSpec, ValidationResult } from "../../manifest/index.js";
import { escapeControl } from "../../report/safe-text.js";
import { EXIT } from "../exit-codes.js";
import type { ValidateFlags } from "../flags.js";
import type { CliIo } from "../io.js";
import type { CommandDeclaration } from "../lifecycle.js";
import { csvDialectOf } from "../options.js";
import { type Input, resolveInput } from "./input.js";
import { dstDecisionLines } from "./dst-decisions.js";

/** validate's flags as its options, read once. */
interface ValidateCommand {
  input: Input;
  /** `--show N`: the first N runs as read, before the summary. */
  show: number | undefined;
  warnClientKeys: boolean;
  /** For manifest paths; a sync config's sources carry their own. */
  csv: CsvDialect | undefined;
  stdinFormat: ValidateFlags["stdinFormat"];
  unicode: UnicodeMode | undefined;
}

async function readValidateCommand(
  paths: string[],
  flags: ValidateFlags,
  io: CliIo,
): Promise<ValidateCommand> {
  const input = await resolveInput(paths, flags, io);
  // Flags win over the config's options, as for plan and apply.
  const keyCheck = flags.clientKeyCheck ?? input.config?.options.clientKeyCheck ?? "sift";
  return {
    input,
    show: flags.show,
    warnClientKeys: keyCheck === "sift",
    csv: input.config === undefined ? csvDialectOf(flags) : undefined,
    stdinFormat: flags.stdinFormat,
    unicode: flags.unicode,
  };
}

/**
 * The validate command, over the one lifecycle: offline (no session), it reads the manifests
 * (or a sync config's sources) once and prints a summary on stdout; when anything is wrong it
 * throws the ManifestError whose problems main prints on stderr (exit 1). It writes nothing,
 * so Ctrl-C quits at once.
 */
export function declareValidate(
  paths: string[],
  flags: ValidateFlags,
  io: CliIo,
): CommandDeclaration<ValidateCommand> {
  return {
    graceMs: 0,
    quitAtStop: true,
    options: () => readValidateCommand(paths, flags, io),
    inputs: ({ input, stdinFormat }) => ({
      paths: input.paths,
      stdinFormat,
      own: { config: input.config },
      note: (line) => io.stderr.write(`note: ${escapeControl(line)}\n`),
    }),
    run: async (command, life) => {
      const shown: RunSpec[] = [];
      const marks = new Map<RunSpec, readonly Resolution[]>();
      const onRun = (spec: RunSpec, resolved?: readonly Resolution[]) => {
        if (shown.length >= (command.show ?? 0)) return;
        shown.push(spec);
        if (resolved) marks.set(spec, resolved);
      };
      const onWarning = (warning: Problem) =>
        io.stderr.write(`warning: ${escapeControl(formatProblem(warning))}\n`);
      const options = {
        cwd: io.cwd,
        stdoutFile: io.stdoutFile,
        onRun,
        onWarning,
        warnClientKeys: command.warnClientKeys,
        unicode: command.unicode,
      };
      const { config } = command.input;
      let result: ValidationResult;
      if (config === undefined) {
        const { validateManifests } = await import("../../manifest/index.js");
        const { stdin, pipes } = life.spooled ?? {};
        result = await validateManifests(command.input.paths, {
          ...options,
          csv: command.csv,
          stdin,
          pipes,
        });
      } else {
        const { validateSources } = await import("../../sources/index.js");
        result = await validateSources(config, options);
      }
      if (command.show === undefined) io.stdout.write(renderSummary(result));
      else {
        const { renderShownRuns } = await import("../../manifest/render.js");
        io.stdout.write(renderShownRuns(shown, marks));
        io.stdout.write(renderSummary(result).replace(/^(?=.)/gm, "# "));
      }
      if (result.totalProblems > 0) throw new ManifestError(result.problems, result.totalProblems);
      return EXIT.ok;
    },
  };
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
