import type { ASTNode } from "@marcbachmann/cel-js";
import { invalidArgument } from "./api-error.js";
import { readLiteral, timestampLiteral } from "./cel-rewrite.js";
import { sortableTime } from "./time-text.js";

/**
 * What a parsed filter says, read from its AST: the identifiers it uses, the `in` that strict
 * mode refuses, and the top-level conjuncts an index can answer (a pinned indexed field,
 * `client_key == 'k'` or `client_key in ['a', 'b']`, or ranges of one time field,
 * `f >= timestamp(A) && f <= timestamp(B) || ...`), by which FilterCompiler narrows.
 */

/**
 * NOTE: Sift documents `in` and its clients use it only on ids, keys and names; no source shows
 * it on timestamps or metadata. Strict, the emulator refuses those, so a client that sends one
 * fails its tests here rather than meeting an unknown answer in Sift.
 */
export function refuseUncertainIn(ast: ASTNode, text: string, timeFields: Set<string>): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isNode(value)) {
      if (value.op === "in") {
        const target = (value.args as ASTNode[])[0]!;
        const timestamp = target.op === "id" && timeFields.has(target.args as string);
        if (timestamp || isMetadataAccess(target)) {
          const what = text.slice(target.range.start, target.range.end);
          throw invalidArgument(
            `invalid filter: \`in\` on ${timestamp ? "the timestamp" : "the metadata field"} ${what} (refused in strict mode: Sift's clients use \`in\` only on ids, keys and names; compare with >= and <=, or ==)`,
          );
        }
      }
      visit(value.args);
    }
  };
  visit(ast);
}

/** `metadata["k"]` or `metadata.k`. */
function isMetadataAccess(node: ASTNode): boolean {
  if (node.op !== "[]" && node.op !== ".") return false;
  const target = (node.args as unknown as [ASTNode])[0];
  return target.op === "id" && target.args === "metadata";
}

export function collectIdentifiers(node: ASTNode): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (isNode(value)) {
      if (value.op === "id") found.add(value.args as string);
      else visit(value.args);
    }
  };
  visit(node);
  return [...found];
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && "op" in value && "args" in value;
}

/** `field == 'x'`, `'x' == field` or `field in ['x', 'y']` as a top-level conjunct. */
export function findPinnedIndex(
  ast: ASTNode,
  indexed: string[],
): { field: string; values: string[]; others: ASTNode[] } | undefined {
  const all = conjuncts(ast);
  for (const node of all) {
    const pin = readPin(node, indexed);
    if (pin !== undefined) return { ...pin, others: all.filter((other) => other !== node) };
  }
  return undefined;
}

function readPin(
  node: ASTNode,
  indexed: string[],
): { field: string; values: string[] } | undefined {
  if (node.op === "==") {
    const [a, b] = node.args;
    const field = indexedId(a, indexed) ?? indexedId(b, indexed);
    const literal = stringLiteral(a) ?? stringLiteral(b);
    if (field !== undefined && literal !== undefined) return { field, values: [literal] };
  }
  if (node.op === "in") {
    const [a, b] = node.args;
    const field = indexedId(a, indexed);
    if (field === undefined || b.op !== "list") return undefined;
    const values = b.args.map(stringLiteral);
    if (values.every((v) => v !== undefined)) return { field, values: values as string[] };
  }
  return undefined;
}

/** A top-level conjunct made only of `(f >= timestamp(A) && f <= timestamp(B))` on one field. */
export function findPinnedRanges(
  ast: ASTNode,
  fields: string[],
): { field: string; ranges: [string, string][] } | undefined {
  for (const node of conjuncts(ast)) {
    const ranges: [string, string][] = [];
    let field: string | undefined;
    const ok = disjuncts(node).every((range) => {
      const read = readRange(range, fields);
      if (read === undefined || (field !== undefined && read.field !== field)) return false;
      field = read.field;
      ranges.push([read.from, read.to]);
      return true;
    });
    if (ok && field !== undefined) return { field, ranges };
  }
  return oneSidedRange(conjuncts(ast), fields);
}

/** Past every sortableTime key. */
const AFTER_ALL = "\uffff";

/**
 * Bounds of one field among the top-level conjuncts (`modified_date > timestamp(A)`, or
 * `f >= timestamp(A) && f <= timestamp(B)` unparenthesized): each conjunct holds for every
 * match, so their intersection is a range the matches lie in (`>` read as `>=`: the whole
 * filter is checked on the items found).
 */
function oneSidedRange(
  nodes: ASTNode[],
  fields: string[],
): { field: string; ranges: [string, string][] } | undefined {
  let field: string | undefined;
  let from = "";
  let to = AFTER_ALL;
  for (const node of nodes) {
    const bound = readBound(node, fields);
    if (bound === undefined || (field !== undefined && bound.field !== field)) continue;
    field = bound.field;
    if (bound.lower && bound.key > from) from = bound.key;
    if (!bound.lower && bound.key < to) to = bound.key;
  }
  return field === undefined ? undefined : { field, ranges: [[from, to]] };
}

function readBound(
  node: ASTNode,
  fields: string[],
): { field: string; key: string; lower: boolean } | undefined {
  const lower = node.op === ">=" || node.op === ">";
  if (!lower && node.op !== "<=" && node.op !== "<") return undefined;
  const [target, value] = node.args as [ASTNode, ASTNode];
  const literal = timestampLiteral(value);
  const field = indexedId(target, fields);
  if (field === undefined || literal === undefined) return undefined;
  return { field, key: sortableTime(readLiteral(literal)), lower };
}

function readRange(
  node: ASTNode,
  fields: string[],
): { field: string; from: string; to: string } | undefined {
  if (node.op !== "&&") return undefined;
  let field: string | undefined;
  let from: string | undefined;
  let to: string | undefined;
  for (const side of node.args as ASTNode[]) {
    if (side.op !== ">=" && side.op !== "<=") return undefined;
    const [target, value] = side.args as [ASTNode, ASTNode];
    const literal = timestampLiteral(value);
    const id = indexedId(target, fields);
    if (id === undefined || literal === undefined || (field !== undefined && id !== field)) {
      return undefined;
    }
    field = id;
    const key = sortableTime(readLiteral(literal));
    if (side.op === ">=") from = key;
    else to = key;
  }
  return field === undefined || from === undefined || to === undefined
    ? undefined
    : { field, from, to };
}

function disjuncts(node: ASTNode): ASTNode[] {
  if (node.op === "||") return [...disjuncts(node.args[0]), ...disjuncts(node.args[1])];
  return [node];
}

function conjuncts(node: ASTNode): ASTNode[] {
  if (node.op === "&&") return [...conjuncts(node.args[0]), ...conjuncts(node.args[1])];
  return [node];
}

function indexedId(node: ASTNode, indexed: string[]): string | undefined {
  return node.op === "id" && indexed.includes(node.args) ? node.args : undefined;
}

function stringLiteral(node: ASTNode): string | undefined {
  return node.op === "value" && typeof node.args === "string" ? node.args : undefined;
}
