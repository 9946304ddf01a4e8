import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node, visit } from "yaml";
import type { Problem } from "../core/errors.js";
import { locateProblems, type ManifestItem } from "./manifest-item.js";
import { NullCells, withoutNullTokens } from "./null-cells.js";
import { checkRunFieldsBeside } from "./run-checks.js";
import type { RunSpec } from "./spec.js";
import { suggestName } from "./suggest.js";
import { quote } from "./values.js";
import { describe, fillDefaults, type KeyLines, type RunParts, readYamlRun } from "./yaml-run.js";

/** How many alias expansions a document may use: enough for sharing, not for a bomb. */
const MAX_ALIAS_COUNT = 100;

const TOP_LEVEL_KEYS = ["defaults", "runs"];
const EXPECTED_SHAPE = "expected a list of runs, or a mapping with defaults and runs";

/**
 * Reads the runs of one parsed YAML document: `[run, ...]` or `{defaults, runs}`.
 * Values come from the yaml package's own conversion (with its alias limit); the node
 * tree is walked alongside only to find the line of each run and key.
 */
export function readYamlDocument(
  doc: Document,
  lines: LineCounter,
  file: string,
  nulls: NullCells = NullCells.NONE,
): ManifestItem[] {
  const where = new Where(lines, file);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return [describeConversionError(error, doc, where)];
  }
  const items: ManifestItem[] = [];
  const shape = readShape(value, doc.contents as Node | null, where, items);
  if (shape === undefined) return items;
  const { runs, runNodes, runsLine, defaults, defaultsBroken } = shape;
  runs.forEach((run, i) => {
    const node = runNodes[i];
    const at = keyLinesOf(node, where.lineOf(node, runsLine), where);
    items.push(readRun(withoutNullTokens(run, nulls), at, { defaults, defaultsBroken }, file));
  });
  return items;
}

/**
 * Reads the run on one line of a JSON Lines file: a document holding one run mapping
 * (defaults do not exist in JSON Lines). Its keys are all on `line`.
 */
export function readJsonLine(
  doc: Document,
  line: number,
  file: string,
  nulls: NullCells = NullCells.NONE,
): ManifestItem {
  const where = new Where({ linePos: () => ({ line, col: 1 }) }, file);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return describeConversionError(error, doc, where);
  }
  const at = keyLinesOf(doc.contents, line, where);
  return readRun(
    withoutNullTokens(value, nulls),
    at,
    { defaults: {}, defaultsBroken: false },
    file,
  );
}

/**
 * Reads the run on one line of a JSON Lines file from JSON.parse's value, when the YAML
 * reader has nothing to add (see isPlainJson): some 20 times faster.
 */
export function readJsonValue(
  value: unknown,
  line: number,
  file: string,
  nulls: NullCells = NullCells.NONE,
): ManifestItem {
  const at: KeyLines = { line, keyLine: () => line, metadataKeyLine: () => line };
  return readRun(
    withoutNullTokens(value, nulls),
    at,
    { defaults: {}, defaultsBroken: false },
    file,
  );
}

/** Turns node offsets into lines, and messages into located problems, for one file. */
class Where {
  constructor(
    private readonly lines: Pick<LineCounter, "linePos">,
    readonly file: string,
  ) {}

  lineOf(node: unknown, fallback = 1): number {
    const range = (node as { range?: [number, number, number] | null } | null | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : fallback;
  }

  problem(line: number, message: string, field?: string): ManifestItem {
    const problem: Problem = { file: this.file, line, message };
    if (field !== undefined) problem.field = field;
    return { kind: "problem", problem };
  }
}

function describeConversionError(error: unknown, doc: Document, where: Where): ManifestItem {
  const message = error instanceof Error ? error.message : String(error);
  const line = where.lineOf(findFirstAlias(doc), where.lineOf(doc.contents));
  return /Excessive alias count/.test(message)
    ? where.problem(
        line,
        `uses aliases that expand too much (more than ${MAX_ALIAS_COUNT} alias expansions; an alias bomb?)`,
      )
    : where.problem(line, `invalid YAML: ${message}`);
}

interface Shape {
  runs: unknown[];
  runNodes: unknown[];
  runsLine: number;
  defaults: RunParts;
  /** The defaults had problems (reported once, in `items`). */
  defaultsBroken: boolean;
}

/** The list of runs and the defaults of a document; undefined when there is no list. */
function readShape(
  value: unknown,
  root: Node | null,
  where: Where,
  items: ManifestItem[],
): Shape | undefined {
  const rootLine = where.lineOf(root);
  if (Array.isArray(value)) {
    const runNodes = isSeq(root) ? root.items : [];
    return { runs: value, runNodes, runsLine: rootLine, defaults: {}, defaultsBroken: false };
  }
  if (!isPlainObject(value) || !isMap(root)) {
    items.push(where.problem(rootLine, `${EXPECTED_SHAPE} (got ${describe(value)})`));
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (TOP_LEVEL_KEYS.includes(key)) continue;
    const suggestion = suggestName(key, TOP_LEVEL_KEYS);
    const hint = suggestion ? `did you mean ${quote(suggestion)}?` : "expected defaults and runs";
    const keyNode = root.items.find((pair) => keyText(pair.key) === key)?.key;
    items.push(where.problem(where.lineOf(keyNode, rootLine), `unknown key (${hint})`, key));
  }
  let defaults: RunParts = {};
  let defaultsBroken = false;
  if (value.defaults !== undefined && value.defaults !== null) {
    const node = root.get("defaults", true);
    const line = where.lineOf(node, rootLine);
    const read = readYamlRun(value.defaults, keyLinesOf(node, line, where), "defaults");
    defaults = read.parts;
    defaultsBroken = read.problems.length > 0;
    for (const problem of locateProblems({ file: where.file, line }, read.problems)) {
      items.push({ kind: "problem", problem });
    }
  }
  if (!("runs" in value)) {
    items.push(where.problem(rootLine, `is missing (${EXPECTED_SHAPE})`, "runs"));
    return undefined;
  }
  const runsNode = root.get("runs", true);
  const runsLine = where.lineOf(runsNode, rootLine);
  if (!Array.isArray(value.runs)) {
    items.push(
      where.problem(runsLine, `expected a list of runs, got ${describe(value.runs)}`, "runs"),
    );
    return undefined;
  }
  const runNodes = isSeq(runsNode) ? runsNode.items : [];
  return { runs: value.runs, runNodes, runsLine, defaults, defaultsBroken };
}

/**
 * Reads one run and fills in the defaults. When the defaults themselves are broken (and
 * reported), checks that depend on them are skipped rather than repeated for every run.
 */
function readRun(
  value: unknown,
  at: KeyLines,
  context: { defaults: RunParts; defaultsBroken: boolean },
  file: string,
): ManifestItem {
  const source = { file, line: at.line };
  const read = readYamlRun(value, at, "run");
  const parts = fillDefaults(read.parts, context.defaults);
  const problems = [...read.problems];
  const clientKeyReported = problems.some((p) => p.field === undefined || p.field === "clientKey");
  if (parts.clientKey === undefined && !clientKeyReported) {
    problems.unshift({ field: "clientKey", message: "is missing (every run needs a clientKey)" });
  }
  const usable = problems.length === 0 && !context.defaultsBroken;
  if (!context.defaultsBroken) {
    problems.push(...checkRunFieldsBeside({ clientKey: "", ...parts }, problems));
  }
  if (usable && problems.length === 0) {
    return { kind: "run", spec: { ...parts, clientKey: parts.clientKey!, source } as RunSpec };
  }
  const item: ManifestItem = {
    kind: "invalid-run",
    source,
    problems: locateProblems(source, problems),
  };
  if (read.parts.clientKey !== undefined) item.clientKey = read.parts.clientKey;
  return item;
}

/** Lines of a run mapping's keys, and of its metadata mapping's keys. */
function keyLinesOf(node: unknown, line: number, where: Where): KeyLines {
  const keys = new Map<string, number>();
  const metadataKeys = new Map<string, number>();
  const numberTexts = new Map<string, string>();
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (key === undefined) continue;
      keys.set(key, where.lineOf(pair.key, line));
      if (key === "metadata" && isMap(pair.value)) {
        for (const inner of pair.value.items) {
          const name = keyText(inner.key);
          if (name === undefined) continue;
          metadataKeys.set(name, where.lineOf(inner.key, line));
          const text = numberText(inner.value);
          if (text !== undefined) numberTexts.set(name, text);
        }
      }
    }
  }
  return {
    line,
    keyLine: (k) => keys.get(k),
    metadataKeyLine: (k) => metadataKeys.get(k),
    metadataNumberText: (k) => numberTexts.get(k),
  };
}

/** A plain number scalar's text as written, when the number prints differently (`00123`). */
function numberText(node: unknown): string | undefined {
  if (!isScalar(node) || typeof node.value !== "number" || node.type !== "PLAIN") return undefined;
  const { source } = node as { source?: unknown };
  if (typeof source !== "string") return undefined;
  return source !== String(node.value) ? source : undefined;
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function findFirstAlias(doc: Document): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
