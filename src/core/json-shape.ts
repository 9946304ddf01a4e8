/**
 * How deep a JSON text nests and how many keys its objects hold, measured before it is
 * parsed. V8's JSON.parse is not recursive: it reads `[[[[…]]]]` of any depth, at about 70
 * bytes of memory per level (an 8 MiB text of brackets takes 290 MB, a 64 MiB answer would
 * take gigabytes), and what uses the value afterwards (JSON.stringify, the yaml package,
 * zod) recurses and overflows the stack. An object of a million keys is as costly. So a text
 * from a file or the network is measured first, in one pass that allocates nothing.
 */

/**
 * How deep an API message (a request body the emulator reads, an answer the client reads) may
 * nest. NOTE: protobuf's own parsers stop at 100 levels (the C++ and Java default recursion
 * limit), so a message Sift can produce or accept nests less; a Run nests 5 deep.
 */
export const MAX_API_JSON_DEPTH = 100;

export interface JsonShapeLimits {
  /** The most lists and objects open at once. */
  maxDepth: number;
  /** The most keys one object may hold (no limit when absent). */
  maxKeys?: number;
}

/** Where a text first passes a limit: the offset of the bracket or key that does. */
export type JsonShapeExcess = { kind: "depth" | "keys"; offset: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/**
 * The first place `text` passes `limits`, or `undefined`. It reads any text: strings are
 * skipped, brackets counted, a colon in an object is a key; a text that is not JSON is left
 * to JSON.parse to report (an unbalanced text is measured as far as it goes).
 */
export function findJsonExcess(text: string, limits: JsonShapeLimits): JsonShapeExcess | undefined {
  const { maxDepth } = limits;
  const maxKeys = limits.maxKeys ?? Infinity;
  // The open containers: 1 for an object, 0 for a list, with each object's keys so far.
  const isObject = new Uint8Array(maxDepth + 1);
  const keys = new Float64Array(maxDepth + 1);
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === maxDepth) return { kind: "depth", offset: i };
      isObject[depth] = c === OPEN_BRACE ? 1 : 0;
      keys[depth] = 0;
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth > 0) depth--;
    } else if (c === COLON && depth > 0 && isObject[depth - 1] === 1) {
      if (++keys[depth - 1]! > maxKeys) return { kind: "keys", offset: i };
    }
  }
  return undefined;
}

/** The index of the closing quote of the string opening at `start` (the text's end if none). */
function endOfString(text: string, start: number): number {
  let i = start;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}
