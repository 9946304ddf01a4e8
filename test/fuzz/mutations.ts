import fc from "fast-check";

/**
 * Random damage to a manifest's bytes: the kind of thing a hand edit, a bad export, a wrong
 * encoding or a truncated copy does. Positions are fractions of the length, so one
 * mutation list applies to any file.
 */
export type Mutation =
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "truncate"; at: number };

/** Pieces that mean something to CSV, YAML, JSON, timestamps or UTF-8. */
const PIECES = [
  ",",
  '"',
  "'",
  "\n",
  "\r",
  "\r\n",
  "\t",
  " ",
  ":",
  ": ",
  "- ",
  "#",
  "&a ",
  "*a",
  "!!str ",
  "!!binary ",
  "|",
  ">",
  "{",
  "}",
  "[",
  "]",
  "%",
  "@",
  "`",
  "=",
  ";",
  "\\",
  "\u0000",
  "\ufeff",
  "é",
  "😀",
  "\u202e",
  "---\n",
  "...\n",
  "<<: ",
  "~",
  "null",
  "true",
  "NaN",
  ".inf",
  "1e999",
  "-0",
  "0x1F",
  "2024-02-30T00:00:00Z",
  "9999-12-31T23:59:60Z",
  "+14:00",
  "Z",
  ".123456789",
  "metadata.",
  ":number",
  ":boolean",
  "clientKey",
  "client_key",
  "name",
  "runs",
  "defaults",
  "assets",
  "tags",
  "isPinned",
  "\\ud800",
  "\\udfff",
  "\\e[2J",
  "\u001b[31m",
  "\u009b",
  '"""',
  "'''",
  "\\u0027",
  "x' || true || 'y",
].map((piece) => new TextEncoder().encode(piece));

const position = fc.double({ min: 0, max: 1, noNaN: true });

const insertion = fc.oneof(
  fc.constantFrom(...PIECES),
  fc.uint8Array({ minLength: 1, maxLength: 8 }), // raw bytes: invalid UTF-8 included
  fc.string({ maxLength: 8, unit: "binary" }).map((s) => new TextEncoder().encode(s)),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("insert" as const), at: position, bytes: insertion }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      at: position,
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("duplicate" as const),
      at: position,
      length: fc.integer({ min: 1, max: 200 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: position }) },
);

export function applyMutations(original: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const m of mutations) {
    const at = Math.floor(m.at * bytes.length);
    switch (m.kind) {
      case "insert":
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case "delete":
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case "duplicate":
        bytes = Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
        break;
      case "truncate":
        bytes = bytes.subarray(0, at);
        break;
      default:
        m satisfies never;
    }
  }
  return bytes;
}
