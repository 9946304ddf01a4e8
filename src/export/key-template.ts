import { UsageError } from "../core/errors.js";
import {
  CLIENT_KEY_MAX_LENGTH,
  CLIENT_KEY_MIN_LENGTH,
  sanitizeClientKey,
} from "../core/client-key.js";

/**
 * `--key-template`: the clientKey an export gives a run that has none, e.g. `run-{runId}`
 * or `ts-{name}-{startTime}`. The run is then adopted under that key by the next apply.
 */

export const DEFAULT_KEY_TEMPLATE = "run-{runId}";

const PLACEHOLDERS = ["runId", "name", "startTime"] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

type Part = { text: string } | { placeholder: Placeholder };

export interface KeyTemplate {
  readonly text: string;
  readonly parts: readonly Part[];
}

/** What a template may draw from: a run's own values. */
export interface KeyValues {
  runId: string;
  name: string;
  startTime: string | undefined;
}

/** Reads `--key-template`; an unknown `{placeholder}` or a control character is a usage error. */
export function parseKeyTemplate(text: string): KeyTemplate {
  const parts: Part[] = [];
  const pattern = /\{([^{}]*)\}/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const name = match[1]!;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--key-template: unknown placeholder {${name}} (expected ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
      );
    }
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ placeholder: name as Placeholder });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  const literal = parts.map((p) => ("text" in p ? p.text : "")).join("");
  if (/[{}]/.test(literal)) {
    throw new UsageError(`--key-template: unbalanced brace in ${JSON.stringify(text)}`);
  }
  if (/[\u0000-\u001f\u007f]/.test(literal) || literal !== literal.trim()) {
    throw new UsageError(
      "--key-template: the text around placeholders must be printable, without leading or trailing spaces",
    );
  }
  if (!parts.some((p) => "placeholder" in p)) {
    throw new UsageError(
      `--key-template: ${JSON.stringify(text)} has no placeholder, so every run would get the same key (use {runId}, {name} or {startTime})`,
    );
  }
  return { text, parts };
}

/**
 * The key a template makes for one run, always one Sift accepts for a new run (its rule,
 * src/core/client-key.ts): the whole text is sanitized as `sanitize: true` does (a name
 * `Hot fire\t1` gives `Hot-fire-1`, a startTime `2024-03-04T09-00-00Z`), so it also survives
 * a CSV cell. Too short, the key gets the run id (unique); too long, it is cut and gets it.
 */
export function expandKeyTemplate(template: KeyTemplate, values: KeyValues): string {
  let text = "";
  for (const part of template.parts) {
    // Each value on its own first: its outer spaces go, not only the key's.
    text += "text" in part ? part.text : sanitizeClientKey(values[part.placeholder] ?? "");
  }
  const key = sanitizeClientKey(text);
  if (key === "") return `run-${idPart(values.runId)}`;
  if (key.length < CLIENT_KEY_MIN_LENGTH) return `${key}-${idPart(values.runId)}`;
  if (key.length <= CLIENT_KEY_MAX_LENGTH) return key;
  return disambiguateKey(key, values.runId, 1);
}

/**
 * `key` made different by the run id: for a key that is already taken (by another run in
 * Sift, or by an earlier generated key). `attempt` > 1 adds a counter as a last resort.
 */
export function disambiguateKey(key: string, runId: string, attempt: number): string {
  const suffix = attempt <= 1 ? `-${idPart(runId)}` : `-${idPart(runId)}-${attempt}`;
  return sanitizeClientKey(key.slice(0, CLIENT_KEY_MAX_LENGTH - suffix.length) + suffix);
}

/** A run id as a key may hold it (Sift's are UUIDs, which it keeps as they are). */
function idPart(runId: string): string {
  return sanitizeClientKey(runId) || "id";
}
