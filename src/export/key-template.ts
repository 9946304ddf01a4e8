import { UsageError } from "../core/errors.js";
import { MAX_CLIENT_KEY_LENGTH } from "../manifest/values.js";

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

/** Control characters, and the whitespace a CSV cell loses to trimming: not kept in a key. */
const UNSAFE_RUN = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]+/gu;

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
 * The key a template makes for one run. A value's whitespace and control characters become
 * one `-` each run of them (a name `Hot fire\t1` gives `Hot-fire-1`), so the key survives a
 * CSV cell (cells are trimmed) and is a valid clientKey. Empty or too long, the key falls
 * back on the run id, which is unique.
 */
export function expandKeyTemplate(template: KeyTemplate, values: KeyValues): string {
  let key = "";
  for (const part of template.parts) {
    key += "text" in part ? part.text : sanitize(values[part.placeholder] ?? "");
  }
  if (key === "") return `run-${sanitize(values.runId)}`;
  return fitLength(key, values.runId);
}

/**
 * `key` made different by the run id: for a key that is already taken (by another run in
 * Sift, or by an earlier generated key). `attempt` > 1 adds a counter as a last resort.
 */
export function disambiguateKey(key: string, runId: string, attempt: number): string {
  const suffix = attempt <= 1 ? `-${sanitize(runId)}` : `-${sanitize(runId)}-${attempt}`;
  return cutTo(key, MAX_CLIENT_KEY_LENGTH - suffix.length) + suffix;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A value as a key may hold it: whole characters, no outer whitespace, inner runs as `-`. */
function sanitize(value: string): string {
  const parts = value.replace(LONE_SURROGATE, "\ufffd").split(UNSAFE_RUN);
  return parts.filter((p) => p !== "").join("-");
}

function fitLength(key: string, runId: string): string {
  if (key.length <= MAX_CLIENT_KEY_LENGTH) return key;
  return disambiguateKey(key, runId, 1);
}

/** The first `max` UTF-16 units of `text`, never splitting a character in two. */
function cutTo(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
