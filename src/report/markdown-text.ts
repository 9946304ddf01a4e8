import { redact } from "../core/secrets.js";
import { neutraliseCell } from "./cells.js";
import { escapeControl } from "./safe-text.js";

/**
 * Manifest and API text inside a GitHub-flavoured Markdown table: it must not end the cell or
 * the row, open HTML, format, link, or ping anyone. Every character that means something to
 * Markdown is escaped (`<`, `>`, `&` as entities, the rest with a backslash), control
 * characters are shown as escapes, and values are wrapped in `<code>` (not backtick code
 * spans: inside `<code>` escapes still apply, so not one raw `<` of a value reaches the page).
 */

/** Markdown punctuation that can start formatting, links, tables, or end a cell. */
const MARKDOWN_SPECIAL = /[\\`*_[\]|~#!]/g;
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Text shown literally: `a|b <i>` → `a\|b &lt;i&gt;`, a newline → a visible `\n`. */
function escapeMarkdown(text: string): string {
  // NOTE: redacted before escaping: an escaped key (`sift\_key`) is no longer found by the
  // redaction of the output stream.
  return escapeControl(redact(text))
    .replace(/[&<>]/g, (c) => ENTITIES[c]!)
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}

/**
 * Prose (warnings, problems). A word joiner after `@` keeps `@org/team` in a manifest value
 * from notifying that team in a pull request comment (GitHub never links mentions in code).
 */
export function markdownText(text: string): string {
  return escapeMarkdown(text).replace(/@/g, "@\u2060");
}

/** A value in monospace: `<code>"a\|b"</code>`. */
export function markdownCode(text: string): string {
  return `<code>${escapeMarkdown(text)}</code>`;
}

/** A cell a spreadsheet will not run as a formula (`=cmd()` → `'=cmd()`), in monospace. */
export function markdownCodeCell(text: string): string {
  return markdownCode(neutraliseCell(text));
}
