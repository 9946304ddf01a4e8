import { Command, CommanderError, Option } from "commander";
import { formatProblem, GuardError, ManifestError, SyncError } from "../core/errors.js";
import { addSecret, redactingWriter } from "../core/secrets.js";
import { explainRefusal } from "../plan/guard.js";
import { escapeControl } from "../report/safe-text.js";
import { EXIT, exitCodesHelp } from "./exit-codes.js";
import { VERSION } from "../core/version.js";
import { plural } from "../core/words.js";
import { COMMANDS } from "./commands/table.js";
import type { CommandContext } from "./context.js";
import { type CliIo, OutputClosedError, processIo } from "./io.js";
import { shareTerminal } from "./terminal.js";

/** How many manifest problems are listed before the rest are only counted. */
const MAX_LISTED_PROBLEMS = 50;

export type { CommandContext } from "./context.js";

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 * Never throws: every error ends as a message on stderr and exit code 1.
 */
export async function main(argv: string[], given: CliIo = processIo()): Promise<number> {
  // The key is known before anything runs: no output, not even a usage error, can hold it.
  addSecret(given.env.SIFT_API_KEY);
  for (const key of optionValues(argv, "--api-key")) addSecret(key);
  const redacted = redactIo(given);
  const io = shareTerminal(redacted.io);
  let exitCode = 0;
  let code: number;
  try {
    const program = await buildProgram(
      {
        io,
        setExitCode: (code) => {
          exitCode = code;
        },
      },
      namedCommands(argv),
    );
    await program.parseAsync(argv, { from: "user" });
    code = exitCode;
  } catch (error) {
    code = reportError(error, io, wantsStack(argv));
  } finally {
    // Whatever path the command took, its progress bar is gone when it ends.
    io.status?.clear();
    redacted.flush();
  }
  return await unlessOutputClosed(given, code);
}

/**
 * A closed stdout is reported (EPIPE) after the write that met it: when the last writes of a
 * command that otherwise succeeded met it (a Markdown report is written at its end), the
 * command still ends as one whose reader went away, 141, not 0.
 */
async function unlessOutputClosed(io: CliIo, code: number): Promise<number> {
  if (code !== EXIT.ok || io.stdout.closed === undefined) return code;
  await new Promise((resolve) => setImmediate(resolve));
  return io.stdout.closed() ? EXIT.outputClosed : code;
}

/**
 * The values given to an option: `--api-key K` and `--api-key=K`, up to a `--` (after which
 * every word is an argument).
 */
function optionValues(argv: readonly string[], option: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") break;
    if (word === option && i + 1 < argv.length) values.push(argv[++i]!);
    else if (word.startsWith(`${option}=`)) values.push(word.slice(option.length + 1));
  }
  return values;
}

/**
 * Whether errors show their stack: with `--log-level debug` (or trace) alone. NOTE: read
 * from the option, not from any word: a manifest file named `debug` is no log level.
 */
function wantsStack(argv: readonly string[]): boolean {
  return optionValues(argv, "--log-level").some((level) => level === "debug" || level === "trace");
}

/**
 * stdout and stderr with every known secret redacted (secrets.ts), whatever writes them:
 * reports, logs, errors quoting a cell, commander's messages. `flush` writes what a stream held
 * back (the possible start of a key), at the end or before the process exits.
 */
function redactIo(io: CliIo): { io: CliIo; flush(): void } {
  const out = redactingWriter(io.stdout);
  const err = redactingWriter(io.stderr);
  const flush = () => {
    for (const writer of [out, err]) {
      try {
        writer.flush();
      } catch (error) {
        if (!(error instanceof OutputClosedError)) throw error;
      }
    }
  };
  const stderr = io.stderr;
  const exit = io.exit;
  return {
    io: {
      ...io,
      stdout: {
        write: (text) => out.write(text),
        isTTY: io.stdout.isTTY,
        ...(io.stdout.drained && { drained: () => io.stdout.drained?.() }),
        ...(io.stdout.closed && { closed: () => io.stdout.closed?.() === true }),
      },
      stderr: {
        write: (text) => err.write(text),
        isTTY: stderr.isTTY,
        get columns() {
          return stderr.columns;
        },
      },
      ...(exit && {
        exit: (code: number) => {
          flush();
          exit(code);
        },
      }),
    },
    flush,
  };
}

/**
 * The commands, given the process's io and where their exit code goes. Only the commands
 * `wanted` are built in full (their module loaded, their options added); the others are
 * listed from their row of the table, which is all the root `--help` shows of them.
 */
export async function buildProgram(
  given: Pick<CommandContext, "io" | "setExitCode">,
  wanted: (name: string) => boolean = () => true,
): Promise<Command> {
  const ctx: CommandContext = {
    ...given,
    run: async (command) => {
      // Loaded on use: `--help` and `--version` need none of the pipeline.
      const { runCommand } = await import("./lifecycle.js");
      given.setExitCode(await runCommand(given.io, command));
    },
  };
  const program = new Command("sift-run-sync")
    .description("Keep Sift runs equal to CSV/YAML manifests: validate, plan, apply.")
    .addHelpText("after", exitCodesHelp())
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  for (const row of COMMANDS) {
    const cmd = program.command(row.name).description(row.description);
    for (const [name, description] of row.arguments) cmd.argument(name, description);
    if (wanted(row.name)) (await row.load())(cmd, ctx);
    // Listed only: the root help says `[options]` of a command that has some (all have).
    else cmd.addOption(new Option("--listed-only").hideHelp());
    cmd.exitOverride();
  }
  return program;
}

/**
 * The commands whose names are words of argv (before `--`): the one that runs, or whose help
 * is asked for (`plan --help`, `help plan`). A path that happens to be named `plan` only
 * costs that command's module.
 */
function namedCommands(argv: readonly string[]): (name: string) => boolean {
  const end = argv.indexOf("--");
  const words = new Set(end === -1 ? argv : argv.slice(0, end));
  return (name) => words.has(name);
}

/** `: 12 valid runs were held back (--skip-invalid applies them ...)` */
function heldBackHint(error: ManifestError): string {
  const n = error.heldBack;
  if (n === undefined) return "";
  const runs = `${plural(n, "valid run")} ${n === 1 ? "was" : "were"}`;
  return ` (${runs} held back; --skip-invalid applies the valid runs and reports the invalid ones as failed)`;
}

function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof OutputClosedError) return EXIT.outputClosed; // quietly: nobody reads
  if (error instanceof CommanderError) {
    // Help and version exit 0; commander already printed its usage message.
    return error.exitCode === 0 ? EXIT.ok : EXIT.error;
  }
  if (error instanceof ManifestError) {
    for (const p of error.problems.slice(0, MAX_LISTED_PROBLEMS)) {
      // Problems quote manifest text (a YAML key, a file name): no escape sequence gets through.
      io.stderr.write(escapeControl(formatProblem(p)) + "\n");
    }
    const unlisted = error.total - Math.min(error.problems.length, MAX_LISTED_PROBLEMS);
    if (unlisted > 0) io.stderr.write(`... and ${unlisted} more\n`);
    io.stderr.write(`error: ${error.message}; nothing was written${heldBackHint(error)}\n`);
    return EXIT.error;
  }
  if (error instanceof GuardError) {
    io.stderr.write(`error: ${escapeControl(error.message)}\n`);
    // Every guard that refused, so that one run says all there is to check.
    for (const refusal of error.refusals.slice(1)) {
      io.stderr.write(`error: ${escapeControl(explainRefusal(refusal))}\n`);
    }
    return EXIT.guard;
  }
  if (error instanceof SyncError) {
    io.stderr.write(`error: ${escapeControl(error.message)}\n`);
    if (debug && error.stack) io.stderr.write(error.stack + "\n");
    return EXIT.error;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`internal error: ${escapeControl(message)}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(error.stack + "\n");
  else io.stderr.write("(run with --log-level debug for a stack trace)\n");
  return EXIT.error;
}
