/**
 * The API keys this process knows, and the one way text leaves it without them. The key is
 * the process's (one per invocation of the CLI), so it is kept process-wide: whatever writes
 * an output (stdout, stderr, a results file, a plan file, an export) redacts through here and
 * cannot forget a key it was never handed. A key is added where it is learnt: the CLI adds
 * `SIFT_API_KEY` and `--api-key` before anything else runs, and every Sift client adds its own
 * (a key from a sift.toml profile, a library caller's key).
 *
 * NOTE: the set only grows: blanking a key of an earlier client of this process out of an
 * output costs nothing, and a key once known stays secret.
 */

export const REDACTED = "[REDACTED]";

/**
 * Shorter strings are not blanked out of text: they would mangle ordinary words (the local
 * emulator's key is `local`), and no real API key is that short.
 */
const MIN_SECRET_LENGTH = 6;

/** Each known secret and its JSON-escaped form, when it differs (what a JSON output holds). */
const forms: string[] = [];
const known = new Set<string>();

/** Remembers `secret` as never to be written (ignored when shorter than MIN_SECRET_LENGTH). */
export function addSecret(secret: string | undefined): void {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH || known.has(secret)) return;
  known.add(secret);
  forms.push(...formsOf(secret));
}

/** How many secrets are known (none: nothing to look for). */
export function knownSecretCount(): number {
  return known.size;
}

/** Whether `text` holds a known secret. */
export function holdsSecret(text: string): boolean {
  for (const form of forms) if (text.includes(form)) return true;
  return false;
}

/** Whether a file's bytes hold a known secret, in UTF-8 or UTF-16 (a file the sync cache would not parse). */
export function holdsSecretBytes(bytes: Buffer): boolean {
  for (const secret of known) {
    if (bytes.includes(secret, 0, "utf8") || bytes.includes(secret, 0, "utf16le")) return true;
  }
  return false;
}

/** `text` with every known secret (raw or JSON-escaped) replaced by `[REDACTED]`. */
export function redact(text: string): string {
  return forms.length === 0 ? text : replaceForms(text, forms);
}

/** A copy of a JSON-like value with every string redacted (object keys too). */
export function redactDeep<T>(value: T): T {
  // NOTE: looked through before it is copied: a row holding no key (all but none) costs no copy.
  if (forms.length === 0 || !holdsSecretDeep(value)) return value;
  return redactValue(value) as T;
}

function holdsSecretDeep(value: unknown): boolean {
  if (typeof value === "string") return holdsSecret(value);
  if (Array.isArray(value)) return value.some(holdsSecretDeep);
  if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (holdsSecret(key) || holdsSecretDeep(inner)) return true;
    }
  }
  return false;
}

function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [redact(key), redactValue(inner)]),
    );
  }
  return value;
}

/** `text` with every occurrence of each secret (raw or JSON-escaped) replaced by `[REDACTED]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const given = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(formsOf);
  return replaceForms(text, given);
}

function formsOf(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return escaped === secret ? [secret] : [secret, escaped];
}

function replaceForms(text: string, list: readonly string[]): string {
  let out = text;
  for (const form of list) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

export interface RedactingWriter {
  write(text: string): unknown;
  /** Writes what was held back (the start of a secret that never came whole). */
  flush(): void;
}

/**
 * A stream's writes with every known secret redacted, whatever the write boundaries: the end
 * of a write that could be the start of a secret is held back until the next write shows
 * whether it is one (or until `flush`). Only such an end is held: a report's lines and a
 * progress bar's redraws, which never end that way by chance more than a character or two,
 * are passed on as they come.
 */
export function redactingWriter(target: { write(text: string): unknown }): RedactingWriter {
  let held = "";
  return {
    write(text) {
      if (forms.length === 0 && held === "") return target.write(text);
      const all = replaceForms(held + text, forms);
      const keep = heldLength(all);
      held = all.slice(all.length - keep);
      const out = all.slice(0, all.length - keep);
      return out === "" ? true : target.write(out);
    },
    flush() {
      if (held === "") return;
      const rest = held;
      held = "";
      target.write(rest);
    },
  };
}

/** How long the longest end of `text` is that is a proper start of a secret form. */
function heldLength(text: string): number {
  let longest = 0;
  for (const form of forms) {
    // The earliest place in the last form.length - 1 characters where the form could start.
    let at = text.indexOf(form[0]!, Math.max(0, text.length - form.length + 1));
    while (at !== -1 && text.length - at > longest) {
      if (form.startsWith(text.slice(at))) {
        longest = text.length - at;
        break;
      }
      at = text.indexOf(form[0]!, at + 1);
    }
  }
  return longest;
}
