// Writes the exit-code table of README.md and docs/cli.md from src/cli/exit-codes.ts (through
// dist/: run `npm run build` first), between the marker comments; test/exit-codes-docs.test.ts
// fails when a table and the source differ. Usage: npm run build && node scripts/exit-codes.mjs
import { readFileSync, writeFileSync } from "node:fs";

const DOCS = ["README.md", "docs/cli.md"];
const START = "<!-- exit-codes: generated from src/cli/exit-codes.ts by scripts/exit-codes.mjs -->";
const END = "<!-- /exit-codes -->";

/** `text` with the table between the markers replaced by `table`. */
function withTable(text, table) {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) throw new Error(`no ${START} ... ${END} markers`);
  return text.slice(0, start + START.length) + "\n\n" + table + "\n" + text.slice(end);
}

const { exitCodesMarkdown } = await import("../dist/cli/exit-codes.js");
for (const doc of DOCS) {
  const url = new URL(`../${doc}`, import.meta.url);
  writeFileSync(url, withTable(readFileSync(url, "utf8"), exitCodesMarkdown()));
}
