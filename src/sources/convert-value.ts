import { toNfc } from "../core/unicode.js";
import { CLIENT_KEY_RULE, explainClientKey, sanitizeClientKey } from "../core/client-key.js";
import type { FieldRule, FieldValue, Scalar, ValueMap } from "./mapping.js";
import {
  describe,
  Invalid,
  type MetadataSpec,
  quote,
  type Read,
  readAssets,
  readBooleanText,
  readClientKey,
  readNumberText,
  readRunId,
  readTags,
  readText,
} from "../manifest/index.js";

/**
 * One value of a record → the value of a run field, by the field's rule: the value map
 * first, then the field's own type. Reuses the manifest readers, so a mapped file accepts
 * and words things as our own format does. Runs for every mapped cell: no closures.
 */

/** A value as a record holds it: cell text (trimmed, never blank) or a YAML/JSON value. */
export type RawValue = Scalar | unknown[] | object;

/** The field value, `undefined` when the map says "not managed" (`null`), or why not. */
export function convertValue(rule: FieldRule, raw: RawValue): Read<FieldValue> | undefined {
  let value: RawValue | null = raw;
  if (rule.map !== undefined) {
    const mapped = applyMap(rule.map, raw);
    if (mapped instanceof Invalid) return mapped;
    value = mapped;
  }
  if (value === null) return undefined;
  switch (rule.def.read) {
    case "clientKey":
      if (typeof value === "object") return notText(value);
      return rule.sanitize ? readSanitizedKey(String(value)) : readClientKey(String(value));
    case "runId":
      return typeof value === "object" ? notText(value) : readRunId(String(value));
    case "name":
    case "text":
      return typeof value === "object" ? notText(value) : readText(String(value));
    case "timestamp":
      if (typeof value === "object" || typeof value === "boolean") return notText(value);
      if (typeof value === "number") return rule.times!.read(numberText(value), value);
      return rule.times!.read(value);
    case "assets":
    case "tags": {
      const names = readNames(value, rule.separator);
      if (names instanceof Invalid) return names;
      return rule.def.read === "assets" ? readAssets(names) : readTags(names);
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      return typeof value === "object" ? notText(value) : readBooleanText(String(value));
    case "metadata":
      return readMetadataValue(rule, value);
    default:
      return rule.def.read satisfies never;
  }
}

/**
 * `sanitize: true`: the text made a key Sift accepts. One that still breaks the rule (too
 * short or too long once sanitized) is refused at its row: a key is never cut, since two cut
 * keys could become one.
 */
function readSanitizedKey(text: string): Read<string> {
  const key = sanitizeClientKey(text);
  const reason = explainClientKey(key);
  if (reason === undefined) return key;
  return new Invalid(
    `${quote(text)} sanitizes to ${quote(key)}, which ${reason} (Sift needs a clientKey of ${CLIENT_KEY_RULE}; keys are never cut)`,
  );
}

/**
 * The text a sanitized clientKey was made from (after the value map), when sanitizing
 * changed it: duplicate-key errors name both rows' original texts.
 */
export function keyTextOf(rule: FieldRule, raw: RawValue): string | undefined {
  if (!rule.sanitize) return undefined;
  const value = rule.map === undefined ? raw : applyMap(rule.map, raw);
  if (value === null || value instanceof Invalid || typeof value === "object") return undefined;
  const text = String(value);
  return sanitizeClientKey(text) === text ? undefined : text;
}

function applyMap(map: ValueMap, raw: RawValue): Scalar | null | Invalid {
  if (typeof raw === "object") return notText(raw);
  const text = String(raw);
  // A text in NFD (as macOS writes it) finds the map's NFC entry, and back (compile-fields.ts).
  const mapped = map.entries.get(text) ?? map.entries.get(toNfc(text));
  if (mapped !== undefined) return mapped;
  if (map.fallback !== undefined) return map.fallback.value;
  const known = [...new Set([...map.entries.keys()].map(toNfc))].map(quote);
  const expected = known.length <= 8 ? known.join(", ") : `${known.slice(0, 8).join(", ")}, ...`;
  return new Invalid(
    `${quote(text)} is not in the map (expected ${expected}, or give the map a default)`,
  );
}

function readMetadataValue(rule: FieldRule, value: RawValue): Read<MetadataSpec> {
  if (typeof value === "object") return notText(value);
  switch (rule.type) {
    case undefined:
      // Like a YAML manifest: a value keeps its own type, the organization's key type decides.
      if (typeof value !== "string") return { value };
      return typed(readText(value), undefined);
    case "string":
      return { value: String(value), type: "string" };
    case "number":
      if (typeof value === "number") return { value, type: "number" };
      if (typeof value === "boolean") return notText(value);
      return typed(
        rule.thousands === undefined
          ? readDecimal(value, rule.decimal)
          : readGrouped(value, rule.decimal, rule.thousands),
        "number",
      );
    case "boolean":
      if (typeof value === "boolean") return { value, type: "boolean" };
      return typed(readBooleanText(String(value)), "boolean");
    default:
      return rule.type satisfies never;
  }
}

function typed(read: Read<MetadataSpec["value"]>, type: MetadataSpec["type"]): Read<MetadataSpec> {
  if (read instanceof Invalid) return read;
  return type === undefined ? { value: read } : { value: read, type };
}

/** Thousands grouped by `.` before a decimal comma: `1.234,5`. */
const GROUPED_DECIMAL_COMMA = /^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$/;

/** A number written with `decimal` as its decimal mark (`12,5` with `,`). */
function readDecimal(text: string, decimal: "." | ","): Read<number> {
  if (decimal === ".") return readNumberText(text);
  // Most cells have no `.`: no grouping to take out, and no regex to run.
  const grouped = text.indexOf(".") !== -1;
  const plain = grouped && GROUPED_DECIMAL_COMMA.test(text) ? text.replaceAll(".", "") : text;
  if (grouped && plain.includes(".")) {
    return new Invalid(`${quote(text)} is not a number with a decimal comma (expected e.g. 12,5)`);
  }
  const read = readNumberText(plain.replace(",", "."));
  return read instanceof Invalid
    ? new Invalid(`${quote(text)} is not a number with a decimal comma (expected e.g. 12,5)`)
    : read;
}

/**
 * The characters a `thousands` setting stands for: spreadsheets in French or Swiss locales
 * write a no-break space (U+00A0, U+202F) or a typographic apostrophe (U+2019), which look
 * like the ASCII ones a user types into the config.
 */
const GROUP_MARKS: Record<"," | "." | " " | "'", string> = {
  ",": ",",
  ".": ".",
  " ": " \u00a0\u202f",
  "'": "'\u2019",
};

/**
 * A number written with digit groups (`1,234,567.5` with thousands `,`): every group after
 * the first of exactly three digits, else it is not a number (`1,2` is not 1.2 nor 12).
 * Text without a group mark is read as is.
 */
function readGrouped(
  text: string,
  decimal: "." | ",",
  thousands: keyof typeof GROUP_MARKS,
): Read<number> {
  const marks = GROUP_MARKS[thousands];
  let plain = "";
  let groups = 0;
  let digits = 0;
  let i = text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45 ? 1 : 0; // + -
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c >= "0" && c <= "9") {
      digits++;
      continue;
    }
    if (!marks.includes(c)) break;
    // The group before this mark: 1–3 digits first, exactly 3 afterwards.
    if (digits === 0 || digits > 3 || (groups > 0 && digits !== 3))
      return notANumber(text, decimal);
    plain += text.slice(i - digits, i);
    groups++;
    digits = 0;
  }
  if (groups === 0) return readDecimal(text, decimal);
  if (digits !== 3) return notANumber(text, decimal);
  const sign = text[0] === "-" || text[0] === "+" ? text[0] : "";
  const rest = text.slice(i - 3);
  // After the groups, only the decimal mark and digits: `1,234.5`, not `1,234.5.6` nor `1,234e3`.
  const tail = rest.slice(3);
  if (tail !== "" && !(tail[0] === decimal && /^\d+$/.test(tail.slice(1)))) {
    return notANumber(text, decimal);
  }
  return readNumberText(
    `${sign}${plain}${rest.slice(0, 3)}${tail === "" ? "" : `.${tail.slice(1)}`}`,
  );
}

function notANumber(text: string, decimal: "." | ","): Invalid {
  return new Invalid(
    decimal === ","
      ? `${quote(text)} is not a number with a decimal comma (expected e.g. 12,5)`
      : `${quote(text)} is not a number (expected e.g. 1200 or -3.5)`,
  );
}

/** A list from a YAML/JSON list, or from text split on the separator; blank items dropped. */
function readNames(value: RawValue, separator: string): Read<string[]> {
  if (Array.isArray(value)) {
    const names: string[] = [];
    for (const [i, item] of value.entries()) {
      if (item === null || item === undefined) continue;
      if (typeof item === "object") {
        return new Invalid(`item ${i + 1} is ${describe(item)} (expected a name)`);
      }
      const name = String(item).trim();
      if (name !== "") names.push(name);
    }
    return names;
  }
  if (typeof value === "object") return notText(value);
  const text = String(value);
  // One name (most cells): a list of exactly one, not one grown by push to room for 17.
  if (!text.includes(separator)) {
    const name = text.trim();
    return name === "" ? [] : [name];
  }
  const names: string[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf(separator, start);
    const item = (end === -1 ? text.slice(start) : text.slice(start, end)).trim();
    if (item !== "") names.push(item);
    if (end === -1) return names;
    start = end + separator.length;
  }
}

/** A JSON number as text for a time reader: `1706702400`, never `1.7e+21`. */
function numberText(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : value.toFixed(9).replace(/\.?0+$/, "");
}

function notText(value: unknown): Invalid {
  return new Invalid(`expected a text, number or boolean, got ${describe(value)}`);
}
