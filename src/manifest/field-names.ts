import { SPEC_FIELDS } from "./spec.js";

/**
 * The names a manifest may use for a run's fields: camelCase as in the contract, and the
 * snake_case spellings other systems export (`client_key`, `start_time`, ...).
 */

/** Every field of a run spec: the identity (clientKey, runId), then the fields a manifest can manage. */
export const RUN_FIELDS = ["clientKey", "runId", ...SPEC_FIELDS] as const;
export type RunField = (typeof RUN_FIELDS)[number];

const SNAKE_CASE: Record<string, RunField> = {
  client_key: "clientKey",
  run_id: "runId",
  start_time: "startTime",
  stop_time: "stopTime",
  is_pinned: "isPinned",
  is_archived: "isArchived",
};

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
const SYNONYMS: Record<string, RunField> = {
  start: "startTime",
  started: "startTime",
  begin: "startTime",
  starttimestamp: "startTime",
  end: "stopTime",
  ended: "stopTime",
  stop: "stopTime",
  stopped: "stopTime",
  finish: "stopTime",
  endtime: "stopTime",
  key: "clientKey",
  id: "clientKey",
  externalid: "clientKey",
  title: "name",
  runname: "name",
  asset: "assets",
  tag: "tags",
  labels: "tags",
  pinned: "isPinned",
  archived: "isArchived",
  comment: "description",
  notes: "description",
};

/** The field a column name is another tool's word for, if it is a common one. */
export function synonymOf(name: string): RunField | undefined {
  const simple = simplifyName(name);
  return Object.hasOwn(SYNONYMS, simple) ? SYNONYMS[simple] : undefined;
}
