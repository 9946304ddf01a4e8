import type { ASTNode } from "@marcbachmann/cel-js";
import type { Timestamp } from "../time/timestamp.js";
import { invalidArgument } from "./api-error.js";
import { readTimestamp, sortableTime } from "./time-text.js";

/**
 * What Sift's CEL does that cel-js does not, done by rewriting the (type-checked) filter
 * text before it is compiled for evaluation:
 * - `time_field OP timestamp('…')` compares at the nanosecond (cel-js Dates hold ms) and
 *   the literal may carry 1–9 fractional digits and an offset. Any other timestamp
 *   literal must be exact to the millisecond, or the filter is refused (400): never a
 *   silently wrong answer.
 * - `metadata["k"] == null` / `!= null` test whether the run has the key.
 * - `matches('(?i)…')`: RE2's case-insensitive flag, which JavaScript patterns lack.
 */

/** The function a direct time comparison becomes; registered by the filter compiler. */
export const TIME_COMPARE = "__compare_time";
/** The list of unset fields `field == null` becomes a test on. */
export const UNSET = "__unset";
const RELATIONAL = new Set(["<", "<=", ">", ">=", "==", "!="]);
const FLIPPED: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface RewriteFields {
  fields: Set<string>;
  timeFields: Set<string>;
}

export function rewriteFilter(ast: ASTNode, text: string, fields: RewriteFields): string {
  const edits: Edit[] = [];
  const visit = (node: ASTNode): void => {
    const edit = rewriteNode(node, text, fields);
    if (edit !== undefined) {
      edits.push(edit);
      return;
    }
    for (const child of children(node)) visit(child);
  };
  visit(ast);
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

function rewriteNode(node: ASTNode, text: string, fields: RewriteFields): Edit | undefined {
  const { start, end } = node.range;
  const { timeFields } = fields;
  if (RELATIONAL.has(node.op)) {
    const [a, b] = node.args as [ASTNode, ASTNode];
    const unset = nullTest(a, b, node.op, fields.fields) ?? nullTest(b, a, node.op, fields.fields);
    if (unset !== undefined) return { start, end, text: unset };
    const direct =
      timeCompare(a, b, node.op, text, timeFields) ??
      timeCompare(b, a, FLIPPED[node.op] ?? node.op, text, timeFields);
    if (direct !== undefined) return { start, end, text: direct };
    const presence = metadataPresence(a, b, node.op, text) ?? metadataPresence(b, a, node.op, text);
    if (presence !== undefined) return { start, end, text: presence };
  }
  const literal = timestampLiteral(node);
  if (literal !== undefined) {
    const canonical = readLiteral(literal);
    if (/\.\d{4,}Z$/.test(canonical)) {
      throw invalidArgument(
        `invalid filter: timestamp('${literal}') has sub-millisecond digits; compare it directly with a time field (e.g. start_time >= timestamp('…'))`,
      );
    }
    return { start, end, text: `timestamp(${quote(canonical)})` };
  }
  if (node.op === "rcall" && node.args[0] === "matches") {
    const [pattern] = node.args[2] as ASTNode[];
    if (pattern?.op === "value" && typeof pattern.args === "string") {
      const target = text.slice(node.args[1].range.start, node.args[1].range.end);
      return { start, end, text: `(${target}).matches(${quote(toJsPattern(pattern.args))})` };
    }
  }
  return undefined;
}

function timeCompare(
  field: ASTNode,
  other: ASTNode,
  op: string,
  text: string,
  timeFields: Set<string>,
): string | undefined {
  if (field.op !== "id" || !timeFields.has(field.args as string)) return undefined;
  const literal = timestampLiteral(other);
  if (literal === undefined) return undefined;
  const key = sortableTime(readLiteral(literal));
  const id = text.slice(field.range.start, field.range.end);
  return `${TIME_COMPARE}(${id}, ${quote(op)}, ${quote(key)})`;
}

/** `stop_time == null` → `('stop_time' in __unset)`. */
function nullTest(
  field: ASTNode,
  other: ASTNode,
  op: string,
  names: Set<string>,
): string | undefined {
  if ((op !== "==" && op !== "!=") || other.op !== "value" || other.args !== null) return undefined;
  if (field.op !== "id" || !names.has(field.args as string)) return undefined;
  const test = `(${quote(field.args as string)} in ${UNSET})`;
  return op === "==" ? test : `!${test}`;
}

/** `metadata["k"] == null` → `!('k' in metadata)`. */
function metadataPresence(
  access: ASTNode,
  other: ASTNode,
  op: string,
  text: string,
): string | undefined {
  if ((op !== "==" && op !== "!=") || other.op !== "value" || other.args !== null) return undefined;
  let key: string | undefined;
  let map: ASTNode | undefined;
  if (access.op === "[]") {
    const [target, index] = access.args as [ASTNode, ASTNode];
    if (index.op === "value" && typeof index.args === "string") [map, key] = [target, index.args];
  } else if (access.op === ".") {
    const [target, name] = access.args as [ASTNode, string];
    [map, key] = [target, name];
  }
  if (map === undefined || key === undefined || map.op !== "id" || map.args !== "metadata") {
    return undefined;
  }
  const test = `(${quote(key)} in ${text.slice(map.range.start, map.range.end)})`;
  return op === "==" ? `!${test}` : test;
}

export function timestampLiteral(node: ASTNode): string | undefined {
  if (node.op !== "call" || node.args[0] !== "timestamp") return undefined;
  const [arg, ...rest] = node.args[1] as ASTNode[];
  return rest.length === 0 && arg?.op === "value" && typeof arg.args === "string"
    ? arg.args
    : undefined;
}

export function readLiteral(literal: string): Timestamp {
  const parsed = readTimestamp(literal);
  if (!parsed.ok) throw invalidArgument(`invalid filter: timestamp('${literal}') ${parsed.reason}`);
  return parsed.value;
}

/** A CEL string literal (JSON escapes are valid CEL escapes). */
function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * RE2's leading `(?i)` as a JavaScript pattern: each letter becomes a class of both cases
 * (`(?i)ab[c-d]` → `[aA][bB][c-dC-D]`). Other inline flags are refused rather than misread.
 */
function toJsPattern(pattern: string): string {
  const m = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (m === null) return pattern;
  if (m[1] !== "i") throw invalidArgument(`invalid filter: regex flag (?${m[1]}) is not supported`);
  let out = "";
  let inClass = false;
  const body = pattern.slice(m[0].length);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\\") {
      out += c + (body[i + 1] ?? "");
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
      if (/[a-z]/i.test(c) && body[i + 1] === "-" && /[a-z]/i.test(body[i + 2] ?? "")) {
        const range = body.slice(i, i + 3);
        out += range + swapCase(range);
        i += 2;
      } else out += /[a-z]/i.test(c) ? c + swapCase(c) : c;
    } else if (c === "[") {
      inClass = true;
      out += c;
    } else out += /[a-z]/i.test(c) ? `[${c}${swapCase(c)}]` : c;
  }
  return out;
}

function swapCase(text: string): string {
  return [...text].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
}

function children(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === "object" && value !== null && "op" in value)
      out.push(value as ASTNode);
  };
  collect(node.args);
  return out;
}
