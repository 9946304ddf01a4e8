import { formatCount } from "../core/words.js";
import { findJsonExcess } from "../core/json-shape.js";
import { MAX_NESTING_DEPTH, tooDeepMessage } from "./yaml-limits.js";

/**
 * The most keys one JSON object of a manifest or an export may hold, and the most columns a
 * CSV header may have: as many as a spreadsheet has columns (Excel's 16,384), above the
 * 10,000 metadata columns a run is known to take. Beyond it, an object or a header costs
 * memory out of all proportion to a run (a 1 MiB header line can name 500,000 columns).
 */
export const MAX_RECORD_WIDTH = 16_384;

const WIDTH = formatCount(MAX_RECORD_WIDTH);

/** A JSON text that passes a limit: where, and the message. */
export interface JsonLimitProblem {
  offset: number;
  message: string;
}

/**
 * Measures a JSON text (a manifest, a JSON Lines line, an export) before it is parsed:
 * lists and mappings nested more than MAX_NESTING_DEPTH (yaml-limits.ts) deep, or a mapping of more than
 * MAX_RECORD_WIDTH keys. `needs` says how deep the reader needs to go, for the message.
 */
export function checkJsonLimits(text: string, needs?: string): JsonLimitProblem | undefined {
  const excess = findJsonExcess(text, { maxDepth: MAX_NESTING_DEPTH, maxKeys: MAX_RECORD_WIDTH });
  if (excess === undefined) return undefined;
  const message =
    excess.kind === "depth"
      ? tooDeepMessage(needs)
      : `a mapping of more than ${WIDTH} keys (the most a record may have, as many as a spreadsheet has columns)`;
  return { offset: excess.offset, message };
}

/** The message of a CSV header with more than MAX_RECORD_WIDTH columns. */
export function tooManyColumns(columns: number): string {
  return `header has ${formatCount(columns)} columns, more than the ${WIDTH} a record may have (as many as a spreadsheet has columns)`;
}

/** Line and column (1-based) of `offset` in `text`. */
export function locateOffset(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
