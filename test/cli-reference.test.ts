import { readFileSync } from "node:fs";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { EXIT_CODES, GUARDS } from "../src/cli/exit-codes.js";
import { buildProgram } from "../src/cli/main.js";
import { captureIo } from "./helpers/io.js";

/**
 * docs/cli.md is the complete reference: every option of every command is in a table row
 * under a heading that names the command in backticks (`plan`, `apply`, ...), and every
 * option such a row names exists on one of the heading's commands. The commander
 * definitions are the truth.
 */

const DOC = "docs/cli.md";
const text = readFileSync(new URL(`../${DOC}`, import.meta.url), "utf8");
const program = await buildProgram({ io: captureIo(), setExitCode: () => {} });
const commands = new Map(
  program.commands.map((c) => [c.name(), new Set(c.options.map((o) => o.long!))]),
);

interface Section {
  heading: string;
  commands: string[];
  /** The options each table row's first cell names. */
  listed: string[];
}

function sections(): Section[] {
  const tokens = new MarkdownIt().parse(text, {});
  const found: Section[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "heading_open") {
      const heading = tokens[i + 1]!.content;
      const named = [...heading.matchAll(/`([a-z]+)[^`]*`/g)].map((m) => m[1]!);
      found.push({ heading, commands: named.filter((n) => commands.has(n)), listed: [] });
    }
    // The first cell of each body row.
    if (t.type === "td_open" && tokens[i - 1]?.type === "tr_open") {
      const cell = tokens[i + 1]!.content;
      found
        .at(-1)
        ?.listed.push(...[...cell.matchAll(/(?<![\w-])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1]!));
    }
  }
  return found;
}

describe(DOC, () => {
  const all = sections();

  it("lists every option of every command", () => {
    const missing: string[] = [];
    for (const [name, options] of commands) {
      const documented = new Set(
        all.filter((s) => s.commands.includes(name)).flatMap((s) => s.listed),
      );
      for (const option of options) {
        if (!documented.has(option)) missing.push(`${name} ${option}`);
      }
    }
    expect(
      missing,
      `${DOC} lacks these options: add a row (first cell \`--option ARG\`) to a table under a heading naming the command in backticks`,
    ).toEqual([]);
    // It is not vacuous: each command has options, and the sections name them.
    expect([...commands.keys()]).toEqual(
      expect.arrayContaining(["validate", "plan", "apply", "export", "emulator"]),
    );
    expect(commands.get("export")!.size).toBeGreaterThan(5);
  });

  it("lists no option a command does not have", () => {
    const stray: string[] = [];
    for (const section of all) {
      if (section.commands.length === 0) continue;
      for (const option of section.listed) {
        const known =
          ["-h", "--help"].includes(option) ||
          section.commands.some((c) => commands.get(c)!.has(option));
        if (!known) stray.push(`${section.heading}: ${option}`);
      }
    }
    expect(stray).toEqual([]);
  });
});

describe(`${DOC}, Exit codes`, () => {
  /** The rows of the table under `## Exit codes`: code → meaning. */
  function exitCodeRows(): Map<number, string> {
    const tokens = new MarkdownIt().parse(text, {});
    const rows = new Map<number, string>();
    let inSection = false;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.type === "heading_open") inSection = tokens[i + 1]!.content === "Exit codes";
      if (inSection && t.type === "tr_open" && tokens[i + 1]?.type === "td_open") {
        const cells = tokens.slice(i).filter((x) => x.type === "inline");
        rows.set(Number(cells[0]!.content), cells[1]!.content);
      }
    }
    return rows;
  }

  it("lists exactly the codes of the exit-code table, the guards' flags in the guard's row", () => {
    const rows = exitCodeRows();
    expect([...rows.keys()].sort((a, b) => a - b)).toEqual(
      EXIT_CODES.map((e) => e.code).sort((a, b) => a - b),
    );
    const guardRow = rows.get(EXIT_CODES.find((e) => e.name === "guard")!.code)!;
    for (const flag of GUARDS.flatMap((g) => g.match(/--[\w-]+/g) ?? [])) {
      expect(guardRow).toContain(`\`${flag}\``);
    }
  });
});

describe("emulator --help", () => {
  it("offers no option that means nothing there (it logs nothing and shows no progress)", () => {
    const emulator = commands.get("emulator")!;
    for (const option of ["--log-level", "--log-format", "--no-progress", "--concurrency"]) {
      expect(emulator.has(option), option).toBe(false);
    }
    expect(emulator.has("--port") && emulator.has("--state")).toBe(true);
  });
});
