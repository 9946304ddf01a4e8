/**
 * A value that could not be read, and why: what every reader of a cell returns instead of
 * throwing. (Not `{ok, value}` objects: these run for every cell of million-row files, and a
 * good value then costs no allocation.)
 */
export class Invalid {
  constructor(readonly message: string) {}
}
export type Read<T> = T | Invalid;

/** How much of a bad value an error message quotes. */
const MAX_QUOTED_LENGTH = 60;

/** A value for a message: JSON-quoted, shortened when long. */
export function quote(text: string): string {
  const short = text.length > MAX_QUOTED_LENGTH ? text.slice(0, MAX_QUOTED_LENGTH - 1) + "…" : text;
  return JSON.stringify(short);
}
