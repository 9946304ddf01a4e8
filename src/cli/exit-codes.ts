import { STOP_GRACE_MS } from "../core/stopping.js";
import type { StopSignal } from "./io.js";

/**
 * The exit codes a script can test, each declared once: the commands return them by name
 * (`EXIT.guard`), `--help` lists them (exitCodesHelp: `help`), and the tables of README.md and docs/cli.md
 * are generated from them (exitCodesMarkdown: `doc`; test/exit-codes-docs.test.ts).
 */

/** The flags of every guard that refuses a plan with exit 3 (nothing is written). */
export const GUARDS = [
  "--max-changes",
  "--max-archive",
  "--archive-missing with empty manifests and no --allow-empty",
] as const;

export const EXIT_CODES = [
  {
    name: "ok",
    code: 0,
    help: "success (plan --detailed-exitcode: no changes)",
    doc: "success (for `plan --detailed-exitcode`: no changes; for `doctor`: nothing blocks a sync)",
  },
  {
    name: "error",
    code: 1,
    help: "any error: invalid manifest, bad flag, unreachable API, a run that failed",
    doc: "any error: invalid manifest, bad flag, unreachable API, a run that failed, a run `export` could not write, a blocking `doctor` finding",
  },
  {
    name: "changes",
    code: 2,
    help: "plan --detailed-exitcode (or apply --dry-run --detailed-exitcode): there are changes",
    doc: "only `plan --detailed-exitcode` (or `apply --dry-run --detailed-exitcode`): there are changes",
  },
  {
    name: "guard",
    code: 3,
    help: `a guard refused the plan (${GUARDS.slice(0, -1).join(", ")}, or ${GUARDS.at(-1)}): nothing was written`,
    doc: `a guard refused the plan (${GUARDS.map(codeFlags).join(", ")}): apply wrote nothing; plan reports the breach`,
  },
  {
    name: "interrupted",
    code: 130,
    help: `interrupted by Ctrl-C (SIGINT): no new request started, requests under way got ${STOP_GRACE_MS / 1000} s; run the same command again`,
    doc: `stopped by Ctrl-C (SIGINT): no new request started; \`apply\` gave the requests under way ${STOP_GRACE_MS / 1000} s, then cut them off, and reported every row (run the same command again to finish; stopped while still reading the manifests, before any request, it wrote nothing, lists the rows read as skipped and says where the reading stopped); \`plan\` wrote no \`--out\` file, \`export\` no \`--out\` file`,
  },
  {
    name: "terminated",
    code: 143,
    help: "stopped by SIGTERM: the same as 130",
    doc: "stopped by SIGTERM (a CI job cancelled, `kill`, Kubernetes): the same as 130",
  },
  // What a shell reports for a process ended by SIGPIPE (128 + 13), as `cat` or `git log` piped
  // into `head` end.
  {
    name: "outputClosed",
    code: 141,
    help: "stdout was closed before the command ended (| head)",
    doc: "stdout was closed before the command ended (`\\| head`): nothing more was done",
  },
] as const;

/** `--max-changes` as Markdown code: each flag of a guard in backticks. */
function codeFlags(guard: string): string {
  return guard.replace(/--[\w-]+/g, (flag) => `\`${flag}\``);
}

type ExitName = (typeof EXIT_CODES)[number]["name"];

/** The codes by name: `EXIT.guard` is 3. */
export const EXIT = Object.fromEntries(EXIT_CODES.map((e) => [e.name, e.code])) as {
  [E in (typeof EXIT_CODES)[number] as E["name"]]: E["code"];
} satisfies Record<ExitName, number>;

/** Exit codes after a signal, as shells report a process ended by it (128 + its number). */
export const EXIT_SIGNAL: Record<StopSignal, number> = {
  SIGINT: EXIT.interrupted,
  SIGTERM: EXIT.terminated,
};

/**
 * The table of README.md and docs/cli.md (scripts/exit-codes.mjs writes it there; a test
 * fails when they differ).
 */
export function exitCodesMarkdown(): string {
  const rows = EXIT_CODES.map(({ code, doc }) => `| ${code} | ${doc} |`);
  return ["| code | meaning |", "| --- | --- |", ...rows].join("\n") + "\n";
}

/** Help lines are wrapped to this many columns, continued under the text. */
const HELP_WIDTH = 100;

/** Shown by `--help` (and `plan --help`, `apply --help`, `export --help`). */
export function exitCodesHelp(): string {
  const lines = ["", "Exit codes:"];
  for (const { code, help } of EXIT_CODES) {
    let line = `  ${String(code).padEnd(5)}`;
    const indent = " ".repeat(line.length);
    for (const word of help.split(" ")) {
      if (line.length + word.length + 1 > HELP_WIDTH && line.trim() !== String(code)) {
        lines.push(line);
        line = indent + word;
      } else line += (line.endsWith(" ") ? "" : " ") + word;
    }
    lines.push(line);
  }
  return lines.join("\n");
}
