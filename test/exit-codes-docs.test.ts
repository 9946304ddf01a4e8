import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXIT_CODES, exitCodesMarkdown } from "../src/cli/exit-codes.js";

/**
 * The exit-code tables of README.md and docs/cli.md are src/cli/exit-codes.ts's, written by
 * scripts/exit-codes.mjs between its marker comments: a code added, removed or reworded there
 * fails here until the script is run again (npm run build && node scripts/exit-codes.mjs).
 */
const START = "<!-- exit-codes: generated from src/cli/exit-codes.ts by scripts/exit-codes.mjs -->";
const END = "<!-- /exit-codes -->";

function generatedTable(doc: string): string | undefined {
  const text = readFileSync(new URL(`../${doc}`, import.meta.url), "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) return undefined;
  return text.slice(start + START.length, end).trim();
}

describe("the exit-code tables of the docs", () => {
  for (const doc of ["README.md", "docs/cli.md"]) {
    it(`${doc} holds the table generated from src/cli/exit-codes.ts`, () => {
      expect(generatedTable(doc), "run: npm run build && node scripts/exit-codes.mjs").toBe(
        exitCodesMarkdown().trim(),
      );
    });
  }

  it("has one row per code", () => {
    const rows = exitCodesMarkdown().split("\n").slice(2, -1);
    expect(rows.map((row) => Number(row.split(" | ")[0]!.slice(2)))).toEqual(
      EXIT_CODES.map((e) => e.code),
    );
  });
});
