/**
 * Unicode normalization of text read from manifests and compared with Sift (issue 20): macOS
 * writes accented text decomposed (NFD, `e` + U+0301), Sift and most systems hold it composed
 * (NFC). With `nfc` (the default) text is read, compared and written in NFC; `keep` compares
 * and writes it byte for byte. Pure, no imports.
 */

export const UNICODE_MODES = ["nfc", "keep"] as const;
export type UnicodeMode = (typeof UNICODE_MODES)[number];
export const DEFAULT_UNICODE: UnicodeMode = "nfc";

/** Text outside ASCII: only such text has another form (NFD) to look it up by. */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Text that may not be NFC: every code point below U+0300 (ASCII, Latin-1, Latin Extended,
 * IPA, spacing modifiers) has NFC_Quick_Check=Yes and combining class 0, so a text of only
 * those is NFC already. U+0300 (a combining accent) is the first that is not.
 */
export const MAYBE_NOT_NFC = /[^\x00-\u02ff]/;

/**
 * `text` in NFC. Text below U+0300 (nearly every cell of most exports, "Jürgen" and "°C"
 * included) is returned as it is after one regex test: `String.prototype.normalize` costs
 * about 30 times more on a non-ASCII text (bench/manifest.mjs --mapped).
 */
export function toNfc(text: string): string {
  return MAYBE_NOT_NFC.test(text) ? text.normalize("NFC") : text;
}

/** `toNfc` under `mode`: `keep` leaves text as it is. */
export function normalizeText(text: string, mode: UnicodeMode): string {
  return mode === "keep" ? text : toNfc(text);
}

/**
 * The forms of `text` Sift may hold it in: itself, and its NFC and NFD forms when they differ.
 * For lookups by name (`name in [...]`), so a name resolves whichever form Sift holds.
 */
export function textForms(text: string): string[] {
  if (!NON_ASCII.test(text)) return [text];
  return [...new Set([text, text.normalize("NFC"), text.normalize("NFD")])];
}

/** `U+00E9`, `U+0065 U+0301`. */
function codePoints(text: string): string {
  return [...text]
    .map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`)
    .join(" ");
}

/**
 * Whether `a` and `b` look the same on screen though they differ: equal under NFKC, which
 * folds NFC/NFD and look-alikes such as µ (U+00B5) and μ (U+03BC), or a no-break space.
 */
function looksTheSame(a: string, b: string): boolean {
  return a !== b && a.normalize("NFKC") === b.normalize("NFKC");
}

/**
 * The code points where `a` and `b` differ, past their common beginning and end:
 * `["U+0065 U+0301", "U+00E9"]` for an NFD and an NFC "é".
 */
function differingCodePoints(a: string, b: string): [string, string] {
  const x = [...a];
  const y = [...b];
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let end = 0;
  while (
    end < x.length - start &&
    end < y.length - start &&
    x[x.length - 1 - end] === y[y.length - 1 - end]
  ) {
    end++;
  }
  const middle = (chars: string[]) => chars.slice(start, chars.length - end).join("");
  // A combining mark differing alone reads better with the letter it sits on.
  const from = start > 0 && /^\p{M}/u.test(middle(x) || middle(y)) ? start - 1 : start;
  const part = (chars: string[]) => codePoints(chars.slice(from, chars.length - end).join(""));
  return [part(x), part(y)];
}

/**
 * How a "did you mean" quotes its suggestion: `"µs"?`, or, when the suggestion looks the same
 * as what was typed, with the code points that differ:
 * `"μs" (U+03BC) — did you mean "µs" (U+00B5)?`.
 */
export function didYouMean(typed: string, suggestion: string): string {
  if (!looksTheSame(typed, suggestion)) return `did you mean ${JSON.stringify(suggestion)}?`;
  const [mine, theirs] = differingCodePoints(typed, suggestion);
  return `${JSON.stringify(typed)} (${mine}) — did you mean ${JSON.stringify(suggestion)} (${theirs})?`;
}
