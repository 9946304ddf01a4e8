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

/** The names a "did you mean" may suggest. */
export const SUGGESTED_FIELDS: readonly string[] = RUN_FIELDS;
