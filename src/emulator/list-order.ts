import { invalidArgument } from "./api-error.js";

/**
 * `orderBy` as Sift reads it (AIP-132): a comma-separated list of fields, each optionally
 * followed by ` desc` or ` asc` (`"created_date desc,name"`); ascending is the default
 * (`name asc` is `name`, and pages of one continue the other). ListRuns also takes one `metadata["key"]` (optionally ` desc`) on its own.
 * NOTE: a value that is unset (a run without start time, without the metadata key, an
 * asset never archived) sorts last in either direction: Sift documents this for metadata
 * keys; the emulator applies the same rule to every field so the order is deterministic.
 * Equal values keep creation order (in either direction).
 */

/** One sort value: null when unset. */
export type SortValue = string | number | boolean | null;

interface OrderTerm<T> {
  read: (item: T) => SortValue;
  desc: boolean;
}

export interface Order<T> {
  /** The normalised text (`name,created_date desc`), which scopes page tokens. */
  text: string;
  terms: OrderTerm<T>[];
  /**
   * Set when the order is creation order alone (`created_date`, `created_date desc`):
   * the store's own list is that order, so nothing needs sorting.
   */
  creation?: { desc: boolean };
}

/** What a resource can be ordered by. */
export interface OrderFields<T> {
  /** Used when `orderBy` is empty, e.g. `created_date desc`. */
  defaultOrder: string;
  /** Orderable fields and their sort values; `created_date` must be one (creation order). */
  fields: Record<string, (item: T) => SortValue>;
  /** When set, `metadata["key"]` is accepted: the item's value of that key, or null. */
  metadata?: (item: T, key: string) => SortValue;
  /** Why `metadata["key"]` cannot be ordered by (a relation key), or undefined. */
  refuseMetadataKey?: (key: string) => string | undefined;
}

export const CREATED_DATE = "created_date";
const TERM = /^([a-z_]+)(?:\s+([A-Za-z]+))?$/;
const METADATA_TERM =
  /^metadata\[\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\](?:\s+([A-Za-z]+))?$/;

export function readOrder<T>(orderBy: string, spec: OrderFields<T>): Order<T> {
  const text = orderBy.trim() === "" ? spec.defaultOrder : orderBy.trim();
  const fail = (problem: string): never => {
    const fields = Object.keys(spec.fields).join(", ");
    const metadata = spec.metadata ? `, or one metadata["key"]` : "";
    throw invalidArgument(
      `invalid order_by "${orderBy}": ${problem} (a comma-separated list of ${fields}${metadata}, each optionally followed by " desc" or " asc")`,
    );
  };

  if (text.startsWith("metadata")) {
    const m = METADATA_TERM.exec(text);
    if (spec.metadata === undefined) return fail("metadata cannot be ordered by here");
    if (m === null) return fail(`metadata["key"] must be the only field, with a quoted key`);
    const key = unquote(m[1]!) ?? fail(`bad escape in the key ${m[1]}`);
    const refused = spec.refuseMetadataKey?.(key);
    if (refused !== undefined) return fail(refused);
    const desc = readDirection(m[2], "metadata", fail);
    const byKey = spec.metadata;
    return {
      text: `metadata[${JSON.stringify(key)}]${desc ? " desc" : ""}`,
      terms: [{ read: (item) => byKey(item, key), desc }],
    };
  }

  const terms: OrderTerm<T>[] = [];
  const names: string[] = [];
  for (const part of text.split(",")) {
    const m = TERM.exec(part.trim());
    if (m === null) return fail(`"${part.trim()}" is not a field name`);
    const name = m[1]!;
    const read = spec.fields[name];
    if (read === undefined) return fail(`unknown field "${name}"`);
    if (names.includes(name)) return fail(`"${name}" is given twice`);
    const desc = readDirection(m[2], name, fail);
    names.push(desc ? `${name} desc` : name);
    terms.push({ read, desc });
  }
  const order: Order<T> = { text: names.join(","), terms };
  if (names.length === 1 && names[0]!.startsWith(CREATED_DATE)) {
    order.creation = { desc: terms[0]!.desc };
  }
  return order;
}

function readDirection(word: string | undefined, field: string, fail: (p: string) => never) {
  if (word === undefined) return false;
  if (word === "desc") return true;
  // NOTE: AIP-132 writes ascending as the default, and its parsers accept an explicit ` asc`.
  if (word === "asc") return false;
  return fail(`"${word}" after ${field}: only " asc" or " desc" may follow a field`);
}

/** A single- or double-quoted key with CEL's simple escapes; undefined when malformed. */
function unquote(quoted: string): string | undefined {
  const body = quoted.slice(1, -1);
  const simple: Record<string, string> = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    n: "\n",
    t: "\t",
    r: "\r",
  };
  let out = "";
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "\\") {
      out += body[i];
      continue;
    }
    const c = body[++i]!;
    if (c in simple) out += simple[c];
    else if (c === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else return undefined;
  }
  return out;
}

/** Compares two values of one term: unset last, then ascending or descending. */
export function compareSortValues(a: SortValue, b: SortValue, desc: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = comparePresent(a, b);
  return desc ? -c : c;
}

function comparePresent(a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") {
    // NaN after every number, as in SQL databases.
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  }
  return a === b ? 0 : a < b ? -1 : 1;
}
