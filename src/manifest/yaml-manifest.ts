import { readFile, stat } from "node:fs/promises";
import { Composer, LineCounter } from "yaml";
import type { Problem } from "../core/errors.js";
import { checkJsonLimits, locateOffset } from "./json-limits.js";
import type { ManifestItem } from "./manifest-item.js";
import { NullCells } from "./null-cells.js";
import { describeUtf8Fault, findUtf8FaultIn } from "./utf8.js";
import { parseTokens } from "./yaml-depth.js";
import { MAX_YAML_BYTES, tooDeepMessage } from "./yaml-limits.js";
import { readYamlDocument } from "./yaml-document.js";

/** How deep a manifest needs to nest, for the message of one that nests deeper. */
const MANIFEST_DEPTH = "a manifest needs 4";

/**
 * Reads a YAML or JSON manifest (JSON is read by the same YAML parser, after JSON.parse has
 * had the first word on syntax so a JSON file gets JSON's error messages). A YAML file may
 * hold several documents, each a list of runs or `{defaults, runs}`.
 */
export async function readYamlManifest(
  path: string,
  file: string,
  format: "yaml" | "json",
  nulls: NullCells = NullCells.NONE,
): Promise<ManifestItem[]> {
  const problem = (line: number, message: string, column?: number): ManifestItem[] => {
    const p: Problem = { file, line, message };
    if (column !== undefined) p.column = column;
    return [{ kind: "problem", problem: p }];
  };
  const { size } = await stat(path);
  if (size > MAX_YAML_BYTES) {
    return problem(
      1,
      `is ${formatMiB(size)}, more than the ${formatMiB(MAX_YAML_BYTES)} a ${format.toUpperCase()} manifest may hold (use CSV for large manifests: it streams)`,
    );
  }
  const bytes = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes); // also drops a BOM
  } catch {
    const fault = findUtf8FaultIn(bytes);
    return fault
      ? problem(fault.line, describeUtf8Fault(fault), fault.column)
      : problem(1, "is not UTF-8");
  }
  if (format === "json") {
    // Measured before JSON.parse, which would hold every level of a deep text in memory.
    const excess = checkJsonLimits(text, MANIFEST_DEPTH);
    if (excess !== undefined) {
      const at = locateOffset(text, excess.offset);
      return problem(at.line, excess.message, at.column);
    }
    const jsonProblem = checkJsonSyntax(text);
    if (jsonProblem) return problem(jsonProblem.line, jsonProblem.message, jsonProblem.column);
  }

  // parseAllDocuments in two steps, to measure the nesting before composing (yaml-depth.ts).
  const lines = new LineCounter();
  const parsed = parseTokens(text, lines);
  if (!parsed.ok) {
    const at = lines.linePos(parsed.offset);
    return problem(at.line, tooDeepMessage(MANIFEST_DEPTH), at.col);
  }
  const docs = Array.from(new Composer({ uniqueKeys: true }).compose(parsed.tokens));
  const items: ManifestItem[] = [];
  let contentful = 0;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
        const message = `invalid ${format === "json" ? "JSON" : "YAML"}: ${firstSentence(error.message)}`;
        items.push(...problem(pos?.line ?? 1, message, pos?.col));
      }
      contentful++;
      continue;
    }
    if (doc.contents === null || isEmptyScalar(doc.contents)) continue;
    contentful++;
    for (const item of readYamlDocument(doc, lines, file, nulls)) items.push(item); // not push(...): too many arguments
  }
  if (contentful === 0) {
    return problem(1, "is empty (expected a list of runs, or a mapping with defaults and runs)");
  }
  return items;
}

function isEmptyScalar(node: unknown): boolean {
  return (
    typeof node === "object" &&
    node !== null &&
    "value" in node &&
    (node as { value: unknown }).value === null &&
    !("items" in node)
  );
}

/** The yaml package's message without its " at line L, column C:" and source excerpt. */
function firstSentence(message: string): string {
  return message.split(/ at line \d+, column \d+/)[0]!.trim();
}

/** JSON.parse's verdict, located: `Expected ',' or '}' after property value` at 3:5. */
function checkJsonSyntax(
  text: string,
): { line: number; column: number; message: string } | undefined {
  const error = jsonError(text);
  if (error === undefined) return undefined;
  const offset = error.position ?? findUnexpectedToken(text);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return { line, column, message: `invalid JSON: ${error.message}` };
}

/**
 * JSON.parse's message and position. V8 words some errors without a position and with an
 * excerpt of the text (`Unexpected token ']', "[1, 2, 3,]" is not valid JSON`): the excerpt
 * is dropped, since it may hold line breaks and control characters of the file.
 */
function jsonError(text: string): { message: string; position?: number } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const match = / at position (\d+)/.exec(raw);
    const message = raw
      .replace(/( in JSON)? at position \d+.*$/s, "")
      .replace(/^JSON\.parse: /, "")
      .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "")
      .replace(
        /[\u0000-\u001f\u007f-\u009f]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      );
    return match ? { message, position: Number(match[1]) } : { message };
  }
}

/**
 * Where JSON.parse met a token it did not expect, when it does not say: the shortest prefix of
 * the text that fails before its end (shorter prefixes only run out of input), found by
 * bisection, so a few parses even for a large file.
 */
function findUnexpectedToken(text: string): number {
  const failsBeforeEnd = (length: number): boolean => {
    const error = jsonError(text.slice(0, length));
    if (error === undefined) return false;
    if (error.position !== undefined) return error.position < length;
    return !/^Unexpected end of JSON input/.test(error.message);
  };
  let low = 0; // a prefix of this length does not fail before its end
  let high = text.length; // this one does
  if (!failsBeforeEnd(high)) return text.length;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (failsBeforeEnd(mid)) high = mid;
    else low = mid;
  }
  return high - 1;
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}
