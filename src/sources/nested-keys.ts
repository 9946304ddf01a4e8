import { isMap, isScalar, type Node, type Pair } from "yaml";
import { columnsOf, type FieldRule, type Mapping } from "./mapping.js";
import { quote, suggestName } from "../manifest/index.js";
import { toNfc } from "../core/unicode.js";

/**
 * Nested keys of YAML/JSON records cannot vanish (issue 20): a mapped dot path that no record
 * of a file holds is an error for that file, as a missing CSV column is; and under an object
 * one of whose keys is mapped, a key neither mapped nor in `ignoreColumns` is an error, as a
 * top-level key is. A LIMS that renames `results.passed` to `results.pass` is then caught by
 * `validate` instead of dropping the value from every run.
 */

type Record_ = Record<string, unknown>;

/** A record as read, with its YAML node when the reader has one (for key positions). */
export interface ReadRecord {
  line: number;
  value: unknown;
  node?: Node | undefined;
}

/** Distinct record paths collected at most, for a "records have ..." hint. */
const MAX_HELD_PATHS = 10_000;
/** Paths a hint lists at most. */
const MAX_LISTED = 5;

/** The dot paths the mapping reads (a column holding `.`), with the rule reading each. */
function mappedDotPaths(mapping: Mapping): { path: string; rule: FieldRule }[] {
  const seen = new Set<string>();
  const paths: { path: string; rule: FieldRule }[] = [];
  for (const rule of mapping.rules) {
    for (const column of columnsOf(rule)) {
      if (!column.includes(".") || seen.has(column)) continue;
      seen.add(column);
      paths.push({ path: column, rule });
    }
  }
  return paths;
}

/** Whether a record holds `path`: as a literal key (`"a.b"`), else key by key. */
function holdsPath(record: Record_, path: string): boolean {
  if (Object.hasOwn(record, path)) return true;
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return false;
    value = (value as Record_)[part];
  }
  return true;
}

/** A mapped dot path that no record holds, and the hint naming what the records do hold. */
export interface MissingPath {
  path: string;
  rule: FieldRule;
  hint: string;
}

/** The mapped dot paths no record of `records` holds (none when there are no records). */
export function findMissingPaths(records: readonly Record_[], mapping: Mapping): MissingPath[] {
  if (records.length === 0) return [];
  const missing = mappedDotPaths(mapping).filter(
    ({ path }) => !records.some((record) => holdsPath(record, path)),
  );
  if (missing.length === 0) return [];
  const held = heldPaths(records);
  return missing.map(({ path, rule }) => ({ path, rule, hint: holdHint(path, held) }));
}

/** `records have "results.pass"`, or the paths under the deepest part of `path` they hold. */
function holdHint(path: string, held: readonly string[]): string {
  const near = suggestName(path, held);
  if (near !== undefined) return `records have ${quote(near)}`;
  const parts = path.split(".");
  for (let depth = parts.length - 1; depth >= 1; depth--) {
    const parent = parts.slice(0, depth).join(".");
    const under = held.filter(
      (p) => p.startsWith(`${parent}.`) && !p.slice(parent.length + 1).includes("."),
    );
    if (under.length > 0) {
      const listed = under.slice(0, MAX_LISTED).map(quote).join(", ");
      const more = under.length > MAX_LISTED ? ` and ${under.length - MAX_LISTED} more` : "";
      return `records have ${listed}${more}`;
    }
    if (held.includes(parent)) return `records hold no keys under ${quote(parent)}`;
  }
  return `no record has ${quote(parts[0]!)}`;
}

/** Every key path the records hold (objects and leaves), in first-met order, bounded. */
function heldPaths(records: readonly Record_[]): string[] {
  const paths = new Set<string>();
  const walk = (value: unknown, prefix: string) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value as Record_)) {
      if (paths.size >= MAX_HELD_PATHS) return;
      const path = prefix === "" ? key : `${prefix}.${key}`;
      paths.add(path);
      walk(child, path);
    }
  };
  for (const record of records) walk(record, "");
  return [...paths];
}

/**
 * Per object path under which the mapping reads a key (`results` for `results.passed`), the
 * keys read there. The top level is checked by the reader itself.
 */
export function mappedObjects(mapping: Mapping): Map<string, Set<string>> {
  const objects = new Map<string, Set<string>>();
  for (const { path } of mappedDotPaths(mapping)) {
    const parts = path.split(".");
    for (let depth = 1; depth < parts.length; depth++) {
      const parent = parts.slice(0, depth).join(".");
      let keys = objects.get(parent);
      if (keys === undefined) objects.set(parent, (keys = new Set()));
      keys.add(parts[depth]!);
    }
  }
  return objects;
}

/** Whether `ignoreColumns` lists `path` or an object path above it. */
function isIgnoredPath(path: string, ignore: ReadonlySet<string>): boolean {
  if (ignore.has(path)) return true;
  for (let at = path.indexOf("."); at !== -1; at = path.indexOf(".", at + 1)) {
    if (ignore.has(path.slice(0, at))) return true;
  }
  return false;
}

/**
 * The keys of `record` under a mapped object that no rule reads and `ignoreColumns` does not
 * list, as paths (`results.pass`), each once per file (`reported`).
 */
export function unmappedNestedKeys(
  record: Record_,
  objects: ReadonlyMap<string, ReadonlySet<string>>,
  ignore: ReadonlySet<string>,
  reported: Set<string>,
): string[] {
  const found: string[] = [];
  for (const [parent, keys] of objects) {
    const value = valueAt(record, parent);
    if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
    for (const key of Object.keys(value)) {
      if (keys.has(key)) continue;
      const path = `${parent}.${key}`;
      if (reported.has(path) || isIgnoredPath(path, ignore)) continue;
      reported.add(path);
      found.push(path);
    }
  }
  return found;
}

function valueAt(record: Record_, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record_)[part];
  }
  return value;
}

/** The offset of the key at `path` in a record's YAML/JSON node, when the node holds it. */
export function keyOffset(node: Node | undefined, path: string): number | undefined {
  let current: unknown = node;
  let pair: Pair | undefined;
  for (const part of path.split(".")) {
    if (!isMap(current)) return undefined;
    pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === part);
    if (pair === undefined) return undefined;
    current = pair.value;
  }
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
}

/** Reads `column` from a record: a key of that name, else the dot path through nested objects. */
export function pathGetter(column: string): (record: Record_) => unknown {
  const parts = column.split(".");
  return (record) => {
    if (Object.hasOwn(record, column)) return record[column];
    let value: unknown = record;
    for (const part of parts) {
      if (typeof value !== "object" || value === null || !Object.hasOwn(value, part))
        return undefined;
      value = (value as Record_)[part];
    }
    return value;
  };
}

/** A parsed value with every object key in NFC (the same objects when all keys are ASCII). */
export function nfcKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = nfcKeys(value[i]);
    return value;
  }
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record_;
  let renamed = false;
  for (const key of Object.keys(record)) {
    const child = nfcKeys(record[key]);
    if (child !== record[key]) record[key] = child;
    if (toNfc(key) !== key) renamed = true;
  }
  if (!renamed) return record;
  const out: Record_ = {};
  for (const [key, child] of Object.entries(record)) {
    // defineProperty: a key "__proto__" stays a key, as JSON.parse made it.
    Object.defineProperty(out, toNfc(key), {
      value: child,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
