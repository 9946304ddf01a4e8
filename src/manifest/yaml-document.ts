import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node, visit } from "yaml";
import type { Problem } from "../core/errors.js";
import { locateProblems, type ManifestItem } from "./manifest-item.js";
import { checkRunFields } from "./run-checks.js";
import type { RunSpec } from "./spec.js";
import { suggestName } from "./suggest.js";
import { quote } from "./values.js";
import { describe, fillDefaults, type KeyLines, type RunParts, readYamlRun } from "./yaml-run.js";

/** How many alias expansions a document may use: enough for sharing, not for a bomb. */
export const MAX_ALIAS_COUNT = 100;

const TOP_LEVEL_KEYS = ["defaults", "runs"];
const EXPECTED_SHAPE = "expected a list of runs, or a mapping with defaults and runs";

/**
 * Reads the runs of one parsed YAML document: `[run, ...]` or `{defaults, runs}`.
 * Values come from the yaml package's own conversion (with its alias limit); the node
 * tree is walked alongside only to find the line of each run and key.
 */
export function readYamlDocument(doc: Document, lines: LineCounter, file: string): ManifestItem[] {
  const lineOf = (
    node: { range?: [number, number, number] | null } | null | undefined,
    fallback = 1,
  ) => (node?.range ? lines.linePos(node.range[0]).line : fallback);
  const problem = (line: number, message: string, field?: string): ManifestItem => {
    const p: Problem = { file, line, message };
    if (field !== undefined) p.field = field;
    return { kind: "problem", problem: p };
  };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = lineOf(findFirstAlias(doc), lineOf(doc.contents as Node | null));
    return /Excessive alias count/.test(message)
      ? [
          problem(
            line,
            `uses aliases that expand too much (more than ${MAX_ALIAS_COUNT} alias expansions; an alias bomb?)`,
          ),
        ]
      : [problem(line, `invalid YAML: ${message}`)];
  }

  const root = doc.contents as Node | null;
  const rootLine = lineOf(root);
  let runsValue: unknown = value;
  let runsNode: Node | null | undefined = root;
  let defaults: RunParts = {};
  let defaultsBroken = false;
  const items: ManifestItem[] = [];

  if (isPlainObject(value) && isMap(root)) {
    for (const key of Object.keys(value)) {
      if (TOP_LEVEL_KEYS.includes(key)) continue;
      const suggestion = suggestName(key, TOP_LEVEL_KEYS);
      const hint = suggestion ? `did you mean ${quote(suggestion)}?` : "expected defaults and runs";
      items.push(
        problem(
          lineOf(root.items.find((p) => keyText(p.key) === key)?.key as Node),
          `unknown key (${hint})`,
          key,
        ),
      );
    }
    const defaultsNode = root.get("defaults", true) as Node | undefined;
    if (value.defaults !== undefined && value.defaults !== null) {
      const read = readYamlRun(
        value.defaults,
        keyLinesOf(defaultsNode, lineOf(defaultsNode, rootLine), lineOf),
        "defaults",
      );
      defaults = read.parts;
      defaultsBroken = read.problems.length > 0;
      items.push(
        ...locateProblems({ file, line: lineOf(defaultsNode, rootLine) }, read.problems).map(
          toItem,
        ),
      );
    }
    if (!("runs" in value)) {
      items.push(problem(rootLine, `is missing (${EXPECTED_SHAPE})`, "runs"));
      return items;
    }
    runsValue = value.runs;
    runsNode = root.get("runs", true) as Node | undefined;
    if (!Array.isArray(runsValue)) {
      items.push(
        problem(
          lineOf(runsNode, rootLine),
          `expected a list of runs, got ${describe(runsValue)}`,
          "runs",
        ),
      );
      return items;
    }
  } else if (!Array.isArray(value)) {
    return [problem(rootLine, `${EXPECTED_SHAPE} (got ${describe(value)})`)];
  }

  const runNodes = isSeq(runsNode) ? runsNode.items : [];
  (runsValue as unknown[]).forEach((runValue, i) => {
    const node = runNodes[i] as Node | undefined;
    const line = lineOf(node, lineOf(runsNode, rootLine));
    const at = keyLinesOf(node, line, lineOf);
    items.push(readRun(runValue, at, { defaults, defaultsBroken }, file));
  });
  return items;
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
  if (problems.length === 0 && !context.defaultsBroken) {
    problems.push(...checkRunFields({ clientKey: "", ...parts }));
  }
  // With broken defaults the run is not usable, but its own problems were still reported.
  if (problems.length === 0 && !context.defaultsBroken) {
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
function keyLinesOf(
  node: Node | null | undefined,
  line: number,
  lineOf: (node: Node | null | undefined, fallback?: number) => number,
): KeyLines {
  const keys = new Map<string, number>();
  const metadataKeys = new Map<string, number>();
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (key === undefined) continue;
      keys.set(key, lineOf(pair.key as Node, line));
      if (key === "metadata" && isMap(pair.value)) {
        for (const inner of pair.value.items) {
          const name = keyText(inner.key);
          if (name !== undefined) metadataKeys.set(name, lineOf(inner.key as Node, line));
        }
      }
    }
  }
  return { line, keyLine: (k) => keys.get(k), metadataKeyLine: (k) => metadataKeys.get(k) };
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

function toItem(problem: Problem): ManifestItem {
  return { kind: "problem", problem };
}
