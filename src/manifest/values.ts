import { Invalid, quote, type Read } from "../core/invalid.js";
import { isUuid, UUID_EXAMPLE } from "../core/run-id.js";
import { parseTimestamp, TIMESTAMP_EXAMPLE, type Timestamp } from "../time/timestamp.js";
import { readTimestampFast } from "../time/fast-timestamp.js";

/**
 * Readers for single values, shared by the CSV and YAML readers so both formats accept the
 * same things and say the same words when they do not. Each returns the value or an
 * `Invalid` saying why; they never throw. (Not `{ok, value}` objects: these run for every
 * cell of million-row files, and a good value then costs no allocation.)
 */
export { Invalid, type Read, quote };

/** A clientKey is looked up in URLs that must stay under 8 KiB, many keys per request. */
export const MAX_CLIENT_KEY_LENGTH = 512;
/** Guards against a runaway value (a missing quote, a pasted file) in any text field. */
export const MAX_TEXT_LENGTH = 65_536;

/** Whether `text` holds a control character (U+0000..U+001F, U+007F); a loop, not a regex: hot. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A YAML or JSON escape like `"\ud800"` can make half a character: a string no API can store
 * and no filter can hold (CSV cannot: its bytes are checked as UTF-8). Undefined when `text`
 * is whole.
 */
export function checkWholeCharacters(text: string): Invalid | undefined {
  if (!LONE_SURROGATE.test(text)) return undefined;
  return new Invalid(
    `${quote(text)} holds half of a character (a lone UTF-16 surrogate escape; expected text)`,
  );
}

export function readClientKey(text: string): Read<string> {
  if (text.trim() === "") return new Invalid("is empty (every run needs a clientKey)");
  if (text.length > MAX_CLIENT_KEY_LENGTH) {
    return new Invalid(
      `is ${text.length} characters long (expected at most ${MAX_CLIENT_KEY_LENGTH})`,
    );
  }
  if (hasControlCharacter(text)) {
    return new Invalid(`${quote(text)} contains a control character (expected printable text)`);
  }
  return text;
}

/**
 * A run id, as Sift prints it: a UUID (Sift's GetRun refuses any other id). Anything else
 * cannot name a run, so it never reaches a batched `run_id in [...]` lookup.
 */
export function readRunId(text: string): Read<string> {
  const id = text.trim();
  if (id === "") return new Invalid("is empty (expected a run id, or leave it out)");
  if (!isUuid(id)) {
    return new Invalid(
      `${quote(id)} is not a Sift run id (expected a UUID, e.g. ${UUID_EXAMPLE}, as Sift prints it; or leave runId out to match by clientKey)`,
    );
  }
  return id;
}

/** `name`, `description`, a metadata string: any text within the size guard. */
export function readText(text: string): Read<string> {
  if (text.length > MAX_TEXT_LENGTH) {
    return new Invalid(`is ${text.length} characters long (expected at most ${MAX_TEXT_LENGTH})`);
  }
  return text;
}

/** A run's name: like any text, but an empty name is refused (Sift requires one). */
export function readName(text: string): Read<string> {
  if (text.trim() === "") return new Invalid("is empty (expected a name, or leave the key out)");
  return readText(text);
}

export function readTimestamp(text: string): Read<Timestamp> {
  const fast = readTimestampFast(text);
  if (fast !== undefined) return fast;
  const result = parseTimestamp(text);
  if (result.ok) return result.value;
  // Reasons that already say how to fix them carry their own parenthesis.
  const hint = result.reason.includes("(") ? "" : ` (expected e.g. ${TIMESTAMP_EXAMPLE})`;
  return new Invalid(`${quote(text)} ${result.reason}${hint}`);
}

/** CSV booleans: true/false/yes/no/1/0 in any case. */
export function readBooleanText(text: string): Read<boolean> {
  switch (text.trim().toLowerCase()) {
    case "true":
    case "yes":
    case "1":
      return true;
    case "false":
    case "no":
    case "0":
      return false;
    default:
      return new Invalid(`${quote(text)} is not a boolean (expected true, false, yes, no, 1 or 0)`);
  }
}

/** CSV numbers: decimal notation only (`1.0` is 1); no hex, no `NaN`, no `Infinity`. */
export function readNumberText(text: string): Read<number> {
  const trimmed = text.trim();
  const n = isDecimal(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(n)) {
    return new Invalid(`${quote(text)} is not a number (expected e.g. 1200 or -3.5)`);
  }
  return n;
}

/**
 * Whether `text` is written in decimal notation, `[+-]digits[.digits][e[+-]digits]`: the
 * characters Number() needs for it, and none of the hex/octal/binary prefixes or words it
 * also accepts. Number() itself then rejects misplaced signs, dots and exponents.
 */
function isDecimal(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 43 && c !== 45 && c !== 46 && c !== 101 && c !== 69) return false; // + - . e E
  }
  return digits > 0;
}

/** A number from YAML/JSON: any finite number. */
export function readNumber(value: number): Read<number> {
  return Number.isFinite(value) ? value : new Invalid(`${value} is not a finite number`);
}

/** `cell.trim()`, skipping the call for the usual cell that has nothing to trim. */
export function trimCell(cell: string): string {
  const last = cell.length - 1;
  if (last < 0) return cell;
  const first = cell.charCodeAt(0);
  const end = cell.charCodeAt(last);
  return first <= 32 || first >= 127 || end <= 32 || end >= 127 ? cell.trim() : cell;
}

/** `a; b;;c` → `["a", "b", "c"]`: `;`-separated, items trimmed, empty items dropped. */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf(";", start);
    const item = (end === -1 ? text.slice(start) : text.slice(start, end)).trim();
    if (item !== "") items.push(item);
    if (end === -1) return items;
    start = end + 1;
  }
}

/** Asset names: without duplicates, in manifest order. */
export function readAssets(given: string[]): Read<string[]> {
  for (let i = 0; i < given.length; i++) {
    const name = given[i]!;
    if (hasControlCharacter(name)) {
      return new Invalid(`${quote(name)} contains a control character (expected printable text)`);
    }
  }
  const names = trimNames(given);
  return names instanceof Invalid ? names : dedupe(names);
}

/**
 * Tags are a set: without duplicates, sorted, so equal sets are equal arrays. Like asset
 * names, trimmed: NOTE Sift stores them trimmed, so " hot " would differ forever.
 */
export function readTags(given: string[]): Read<string[]> {
  const names = trimNames(given);
  if (names instanceof Invalid) return names;
  if (names.length < 2) return names;
  if (names.length === 2) {
    const [a, b] = names as [string, string];
    return a === b ? [a] : a < b ? names : [b, a];
  }
  return dedupe([...names].sort());
}

/** Names as Sift stores them: without surrounding whitespace (the array is reused when none has any). */
function trimNames(names: string[]): Read<string[]> {
  if (areTrimmed(names)) return names;
  const trimmed = names.map((name) => name.trim());
  const blank = names.find((name, i) => trimmed[i] === "" && name !== "");
  if (blank !== undefined) return new Invalid(`${quote(blank)} is only whitespace`);
  return trimmed;
}

/** A loop, not `every` with a closure: one list per row of million-row files. */
function areTrimmed(names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (trimCell(names[i]!) !== names[i]) return false;
  return true;
}

/** Lists longer than this are deduplicated with a Set; shorter ones without allocating. */
const SMALL_LIST = 16;

/** Drops repeated names, keeping the first of each. */
function dedupe(names: string[]): string[] {
  if (names.length > SMALL_LIST) return [...new Set(names)];
  for (let i = 1; i < names.length; i++) {
    if (names.lastIndexOf(names[i]!, i - 1) !== -1) {
      return names.filter((name, j) => names.indexOf(name) === j);
    }
  }
  return names;
}

/** A metadata key name, from a CSV column or a YAML key. */
export function readMetadataKey(key: string): Read<string> {
  if (key.trim() === "") return new Invalid("a metadata key name is empty");
  if (hasControlCharacter(key)) {
    return new Invalid(`metadata key ${quote(key)} contains a control character`);
  }
  return key;
}

/** Sets an own property even for `__proto__`, which plain assignment would not. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    record[key] = value;
  }
}
