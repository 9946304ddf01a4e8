import {
  Composer,
  CST,
  type Document,
  Lexer,
  type LineCounter,
  Parser,
  YAMLParseError,
} from "yaml";
import { MAX_NESTING_DEPTH } from "./yaml-limits.js";

// The yaml parser fed one token at a time and stopped at MAX_NESTING_DEPTH (yaml-limits.ts says
// why the limit), and the document composed from its tokens.

export type TokensOrTooDeep =
  | { ok: true; tokens: CST.Token[] }
  /** `offset`: where the level one too many opens. */
  | { ok: false; offset: number };

/** The yaml parser's tokens for `text` (as `Parser.parse`), unless it nests too deep. */
export function parseTokens(text: string, lines: LineCounter): TokensOrTooDeep {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0); // as Parser.parse does: line 1 starts at 0
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    // The stack holds the document, the open collections and a scalar being read.
    if (parser.stack.length > MAX_NESTING_DEPTH && countOpen(parser.stack) > MAX_NESTING_DEPTH) {
      return { ok: false, offset: parser.offset };
    }
  }
  for (const token of parser.end()) tokens.push(token);
  return { ok: true, tokens };
}

function countOpen(stack: readonly CST.Token[]): number {
  let open = 0;
  for (const token of stack) if (CST.isCollection(token)) open++;
  return open;
}

/**
 * The first document of `text`, as yaml's `parseDocument(text, {lineCounter, uniqueKeys})`
 * reads it (with its error if another document follows), unless it nests too deep.
 */
export function parseFirstDocument(
  text: string,
  lines: LineCounter,
): { ok: true; doc: Document.Parsed } | { ok: false; offset: number } {
  const parsed = parseTokens(text, lines);
  if (!parsed.ok) return parsed;
  let doc: Document.Parsed | undefined;
  for (const next of new Composer({ uniqueKeys: true }).compose(parsed.tokens, true, text.length)) {
    if (doc === undefined) doc = next;
    else {
      const message = "Source contains multiple documents";
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], "MULTIPLE_DOCS", message));
      break;
    }
  }
  return { ok: true, doc: doc! }; // compose(..., true) always ends with a document
}
