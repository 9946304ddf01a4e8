import { RUN_FIELDS, type RunField, toRunField } from "./field-names.js";
import type { FieldProblem } from "./run-checks.js";
import { fieldDef, type NamedField } from "./run-fields.js";
import type { MetadataSpec, RunSpec } from "./spec.js";
import { suggestName } from "./suggest.js";
import {
  checkWholeCharacters,
  Invalid,
  quote,
  type Read,
  readAssets,
  readClientKey,
  readMetadataKey,
  readName,
  readNumber,
  readRunId,
  readTags,
  readText,
  readTimestamp,
  setOwn,
} from "./values.js";

/** A run's fields as read from YAML/JSON, before defaults are filled in. */
export type RunParts = Partial<Omit<RunSpec, "source">>;

/** Where the keys of a run mapping are written, to point errors at the key's own line. */
export interface KeyLines {
  line: number;
  keyLine(key: string): number | undefined;
  metadataKeyLine(key: string): number | undefined;
  /** A metadata number's source text, when it differs from how the number prints. */
  metadataNumberText?(key: string): string | undefined;
}

/**
 * Reads one run (or the `defaults`) from its plain value: keys in camelCase or
 * snake_case, values of the right type. `null` is the same as leaving the key out.
 */
export function readYamlRun(
  value: unknown,
  at: KeyLines,
  role: "run" | "defaults",
): { parts: RunParts; problems: FieldProblem[] } {
  const parts: RunParts = {};
  const problems: FieldProblem[] = [];
  if (!isMapping(value)) {
    const message =
      role === "run"
        ? `expected a run (a mapping with clientKey, name, ...), got ${describe(value)}`
        : `expected a mapping of default field values, got ${describe(value)}`;
    problems.push(role === "run" ? { message } : { field: "defaults", message });
    return { parts, problems };
  }
  const seen = new Map<RunField, string>();
  for (const [key, item] of Object.entries(value)) {
    const line = at.keyLine(key) ?? at.line;
    const field = toRunField(key);
    if (field === undefined) {
      const suggestion = suggestName(key, RUN_FIELDS);
      const hint = suggestion
        ? `did you mean ${quote(suggestion)}?`
        : `expected ${RUN_FIELDS.join(", ")}`;
      problems.push({ field: key, line, message: `unknown key (${hint})` });
      continue;
    }
    const earlier = seen.get(field);
    if (earlier !== undefined) {
      problems.push({ field: key, line, message: `repeats ${quote(earlier)}` });
      continue;
    }
    seen.set(field, key);
    if (item === null) continue; // not managed
    if (fieldDef(field).compare === "identity" && role === "defaults") {
      problems.push({ field, line, message: "cannot have a default (each run needs its own)" });
      continue;
    }
    if (field === "metadata") {
      readMetadata(item, at, parts, problems, line);
      continue;
    }
    const message = readField(parts, fieldDef(field), item);
    if (message !== undefined) problems.push({ field, line, message });
  }
  return { parts, problems };
}

/** Fields a run leaves out come from `defaults`; metadata merges key by key (the run wins). */
export function fillDefaults(run: RunParts, defaults: RunParts): RunParts {
  const merged: RunParts = { ...defaults, ...definedOnly(run) };
  if (defaults.metadata !== undefined && run.metadata !== undefined) {
    merged.metadata = { ...defaults.metadata, ...run.metadata };
  }
  return merged;
}

function definedOnly(parts: RunParts): RunParts {
  return Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined));
}

/** Reads one field into `parts`, by the kind of its value; returns what is wrong, if anything. */
function readField(parts: RunParts, def: NamedField, value: unknown): string | undefined {
  const set = (v: unknown) => def.set(parts, v);
  switch (def.read) {
    case "clientKey":
      return ifString(value, readClientKey, set);
    case "runId":
      return ifString(value, readRunId, set);
    case "name":
      return ifString(value, readName, set);
    case "text":
      return ifString(value, readText, set);
    case "timestamp":
      return ifString(value, readTimestamp, set);
    case "assets":
      return ifNames(value, readAssets, set);
    case "tags":
      return ifNames(value, readTags, set);
    case "boolean":
      if (typeof value !== "boolean")
        return `expected a boolean (true or false), got ${describe(value)}`;
      set(value);
      return undefined;
    case "metadata":
      return "is read by readMetadata"; // readYamlRun reads metadata key by key
    default:
      return def.read satisfies never;
  }
}

function ifString<T>(
  value: unknown,
  read: (text: string) => Read<T>,
  set: (v: T) => void,
): string | undefined {
  if (typeof value !== "string") {
    const hint =
      typeof value === "number" || typeof value === "boolean" ? " (put it in quotes)" : "";
    return `expected a string, got ${describe(value)}${hint}`;
  }
  const broken = checkWholeCharacters(value);
  if (broken) return broken.message;
  const result = read(value);
  if (result instanceof Invalid) return result.message;
  set(result);
  return undefined;
}

function ifNames(
  value: unknown,
  read: (names: string[]) => Read<string[]>,
  set: (v: string[]) => void,
): string | undefined {
  if (!Array.isArray(value)) return `expected a list of strings, got ${describe(value)}`;
  for (const [i, item] of value.entries()) {
    if (typeof item !== "string") return `item ${i + 1} is ${describe(item)} (expected a string)`;
    if (item.trim() === "") return `item ${i + 1} is empty`;
    const broken = checkWholeCharacters(item);
    if (broken) return `item ${i + 1}: ${broken.message}`;
  }
  const result = read(value as string[]);
  if (result instanceof Invalid) return result.message;
  set(result);
  return undefined;
}

function readMetadata(
  value: unknown,
  at: KeyLines,
  parts: RunParts,
  problems: FieldProblem[],
  line: number,
): void {
  if (!isMapping(value)) {
    problems.push({
      field: "metadata",
      line,
      message: `expected a mapping of key: value, got ${describe(value)}`,
    });
    return;
  }
  const metadata: Record<string, MetadataSpec> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = `metadata.${key}`;
    const keyLine = at.metadataKeyLine(key) ?? line;
    const name = checkWholeCharacters(key) ?? readMetadataKey(key);
    if (name instanceof Invalid) {
      problems.push({ field, line: keyLine, message: name.message });
      continue;
    }
    if (item === null) continue; // not managed
    const read = readMetadataValue(item);
    if (read instanceof Invalid) problems.push({ field, line: keyLine, message: read.message });
    else {
      const text = typeof read === "number" ? at.metadataNumberText?.(key) : undefined;
      setOwn(metadata, key, text === undefined ? { value: read } : { value: read, text });
    }
  }
  parts.metadata = metadata;
}

/** A YAML scalar keeps its own type; the organization's key type is applied by the plan. */
function readMetadataValue(value: unknown): Read<MetadataSpec["value"]> {
  if (typeof value === "number") return readNumber(value);
  if (typeof value === "string") return checkWholeCharacters(value) ?? readText(value);
  if (typeof value === "boolean") return value;
  return new Invalid(`expected a string, number or boolean, got ${describe(value)}`);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

/** How a value reads in a message: `a list`, `the number 42`, `the string "yes"`. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${quote(value)}`;
  if (typeof value === "number" || typeof value === "boolean")
    return `the ${typeof value} ${value}`;
  if (value instanceof Date) return "a date";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}
