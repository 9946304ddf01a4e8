/**
 * Sift's rule for the clientKey of a new run (CreateRun, CreateAdhocRun), in one place: the
 * expression, its words, and the sanitizer that makes most texts fit it. Pure, no imports:
 * the manifest readers, the plan, export, the emulator and `doctor` all use it.
 *
 * NOTE: from Sift's `runs.proto` (buf.validate, 2025-10 to 2026-04; the server most likely
 * still enforces it). The expression admits 2 characters although the rule's own message says
 * 3: the expression is what a server evaluates, so 2 it is. Runs made before the rule may hold
 * other keys: the rule is for creates only, never for matching.
 */

export const CLIENT_KEY_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_~.-]{0,126}[a-zA-Z0-9]$/;
export const CLIENT_KEY_MIN_LENGTH = 2;
export const CLIENT_KEY_MAX_LENGTH = 128;

/** The rule in words, for messages and docs. */
export const CLIENT_KEY_RULE =
  "2 to 128 characters of a-z A-Z 0-9 _ ~ . -, starting and ending with a letter or digit";

/** The rule's message as Sift words it (what the emulator answers a create with a bad key). */
export const SIFT_CLIENT_KEY_MESSAGE =
  "client_key must be 3-128 characters, start and end with an alphanumeric, and contain only [a-zA-Z0-9_~.-]";

/** How to get past a new run's clientKey that breaks the rule, for messages. */
export const NEW_KEY_FIX =
  "change the key; with a sync config, set `sanitize: true` on its clientKey field; or --client-key-check off for a Sift that accepts other keys";

/** `--client-key-check`: `sift` (the default) checks new runs' keys by the rule, `off` does not. */
export const CLIENT_KEY_CHECKS = ["sift", "off"] as const;
export type ClientKeyCheck = (typeof CLIENT_KEY_CHECKS)[number];

/**
 * Whether `key` fits CLIENT_KEY_PATTERN. Tested character by character: `validate` asks for
 * every run, and the loop costs half of the regex's test (test/core/client-key.test.ts holds
 * the two equal).
 */
export function isSiftClientKey(key: string): boolean {
  const last = key.length - 1;
  if (last < CLIENT_KEY_MIN_LENGTH - 1 || last > CLIENT_KEY_MAX_LENGTH - 1) return false;
  if (!isAlnum(key.charCodeAt(0)) || !isAlnum(key.charCodeAt(last))) return false;
  for (let i = 1; i < last; i++) {
    const c = key.charCodeAt(i);
    // _ ~ . -
    if (!isAlnum(c) && c !== 0x5f && c !== 0x7e && c !== 0x2e && c !== 0x2d) return false;
  }
  return true;
}

/** a-z A-Z 0-9 */
function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

const ALNUM = /[a-zA-Z0-9]/;
const ALLOWED = /[a-zA-Z0-9_~.-]/;
/** Distinct characters a reason names at most. */
const MAX_NAMED = 3;

/**
 * What in `key` breaks the rule, in words (`holds ":" and " "`, `is 1 character long`), or
 * undefined when Sift accepts it. The rule itself is CLIENT_KEY_RULE; callers say both.
 */
export function explainClientKey(key: string): string | undefined {
  if (isSiftClientKey(key)) return undefined;
  const chars = [...key];
  if (chars.length < CLIENT_KEY_MIN_LENGTH) {
    return `is ${chars.length} character${chars.length === 1 ? "" : "s"} long`;
  }
  const reasons: string[] = [];
  if (chars.length > CLIENT_KEY_MAX_LENGTH) reasons.push(`is ${chars.length} characters long`);
  const outside = [...new Set(chars.filter((c) => !ALLOWED.test(c)))];
  if (outside.length > 0) reasons.push(`holds ${listChars(outside)}`);
  const first = chars[0]!;
  const last = chars.at(-1)!;
  if (ALLOWED.test(first) && !ALNUM.test(first))
    reasons.push(`starts with ${JSON.stringify(first)}`);
  if (ALLOWED.test(last) && !ALNUM.test(last)) reasons.push(`ends with ${JSON.stringify(last)}`);
  return reasons.join(", ");
}

/** `":"`, `":" and " "`, `":", " ", "/" and 2 more`. */
function listChars(chars: string[]): string {
  const named = chars.slice(0, MAX_NAMED).map((c) => JSON.stringify(c));
  if (chars.length > MAX_NAMED) return `${named.join(", ")} and ${chars.length - MAX_NAMED} more`;
  return named.length === 1 ? named[0]! : `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
}

/** `"a:b" holds ":" (Sift's rule for a new run's clientKey: 2 to 128 characters, ...)`. */
export function describeClientKeyProblem(key: string): string | undefined {
  const reason = explainClientKey(key);
  if (reason === undefined) return undefined;
  return `${quoteKey(key)} ${reason} (Sift's rule for a new run's clientKey: ${CLIENT_KEY_RULE})`;
}

const OUTSIDE_RUN = /[^a-zA-Z0-9_~.-]+/g;
const OUTER_NON_ALNUM = /^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g;

/**
 * `sanitize: true`: every run of characters outside `[a-zA-Z0-9_~.-]` becomes one `-`, and
 * leading and trailing characters that are not letters or digits are dropped
 * (`"Hot fire #1 "` → `Hot-fire-1`). The result can still break the rule (shorter than 2,
 * longer than 128): it is never cut, a caller reports it.
 */
export function sanitizeClientKey(text: string): string {
  return text.replace(OUTSIDE_RUN, "-").replace(OUTER_NON_ALNUM, "");
}

/** How much of a key a message quotes. */
const MAX_QUOTED = 60;

function quoteKey(key: string): string {
  return JSON.stringify(key.length > MAX_QUOTED ? key.slice(0, MAX_QUOTED - 1) + "…" : key);
}
