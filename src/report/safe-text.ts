import type { FieldValue } from "../plan/change.js";

/**
 * Text from manifests, the API or file names, made safe for a terminal: control characters
 * (newlines, ESC of ANSI sequences, C1 controls) and invisible direction/width marks (the
 * "Trojan Source" characters) are shown as escapes, so a value cannot move the cursor, recolour
 * or rewrite the report, or hide what it says.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `a\nb` → `a\\nb` (visible backslash-n); other unsafe characters as `\u001b`. */
export function escapeControl(text: string): string {
  return text.replace(
    UNSAFE,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A string JSON-quoted with every unsafe character escaped: `"Old\nname"`. */
function quoteText(text: string): string {
  return escapeControl(JSON.stringify(text));
}

/** Plain-looking names (keys, tags) are shown bare; anything else is quoted. */
const PLAIN = /^[\p{L}\p{N}_.:/@+-]+$/u;

/** An identifier (clientKey, tag) bare when plain, quoted when it holds spaces or odd characters. */
export function showName(text: string): string {
  return PLAIN.test(text) ? text : quoteText(text);
}

/** A field value as the reports print it: `"text"`, `1200`, `true`, `[a, b]`; `undefined` → undefined. */
export function showValue(value: FieldValue): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return quoteText(value);
  if (Array.isArray(value)) return `[${value.map(showName).join(", ")}]`;
  return String(value);
}
