import { NAMED_FIELDS, RUN_FIELDS, type RunField } from "./run-fields.js";

/**
 * The names a manifest may use for a run's fields: camelCase as in the contract, and the
 * snake_case spellings other systems export (`client_key`, `start_time`, ...).
 */

export { RUN_FIELDS, type RunField } from "./run-fields.js";

/** Each field's other spellings (run-fields.ts): `client_key` → clientKey. */
const SNAKE_CASE: Record<string, RunField> = Object.fromEntries(
  NAMED_FIELDS.flatMap((f) => f.aliases.map((alias) => [alias, f.name])),
);

/** The field a key or column names, or undefined when it names none. */
export function toRunField(name: string): RunField | undefined {
  if ((RUN_FIELDS as readonly string[]).includes(name)) return name as RunField;
  return Object.hasOwn(SNAKE_CASE, name) ? SNAKE_CASE[name] : undefined;
}

/**
 * The field a CSV header names, ignoring case, `_`, `-` and spaces: spreadsheets and other
 * tools write `ClientKey`, `Start Time`, `IS_PINNED`. (YAML keys stay exact: there a
 * near miss is more often a typo than another tool's spelling.)
 */
export function toRunFieldLoosely(name: string): RunField | undefined {
  return LOOSE_NAMES.get(simplifyName(name));
}

/** `Start Time` → `starttime`. */
function simplifyName(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, "");
}

const LOOSE_NAMES = new Map<string, RunField>(
  [...RUN_FIELDS.map((f) => [f, f] as const), ...Object.entries(SNAKE_CASE)].map(([name, f]) => [
    simplifyName(name),
    f,
  ]),
);

/**
 * Column names other tools use for our fields: only for "did you mean", never read as
 * the field (a column `End` might be an end-of-test flag; the user confirms by renaming
 * it or mapping it in a sync config).
 */
const SYNONYMS: Record<string, RunField> = Object.fromEntries(
  NAMED_FIELDS.flatMap((f) => f.synonyms.map((synonym) => [synonym, f.name])),
);

/** The field a column name is another tool's word for, if it is a common one. */
export function synonymOf(name: string): RunField | undefined {
  const simple = simplifyName(name);
  return Object.hasOwn(SYNONYMS, simple) ? SYNONYMS[simple] : undefined;
}
