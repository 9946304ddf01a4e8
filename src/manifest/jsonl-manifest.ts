import { Composer, Parser } from "yaml";
import { type ChunkDecoder, createChunkDecoder } from "./chunk-decoder.js";
import { detectBom, locateDecodeFault } from "./decode-fault.js";
import { fileChunks } from "./file-chunks.js";
import { hashLine, lineSeed } from "../core/text-hash.js";
import { lineStubItem, type LineReading, withLineHash } from "./file-skips.js";
import type { ManifestItem } from "./manifest-item.js";
import { NullCells } from "./null-cells.js";
import { isPlainJson } from "./json-line-check.js";
import { checkJsonLimits } from "./json-limits.js";
import { readJsonLine, readJsonValue } from "./yaml-document.js";

export interface JsonlOptions {
  /**
   * The text encoding (a WHATWG label), `utf-8` by default; a UTF-16 or UTF-8 byte-order
   * mark wins, as for CSV.
   */
  encoding?: string;
  /** Texts that mean "not managed", like a missing key (a sync config's `nulls:`). */
  nulls?: NullCells;
  /** Its lines hashed and matched with the sync cache's rows (file-skips.ts). */
  lines?: LineReading;
}

/** A line longer than this is not a run: a file that is not JSON Lines. */
const MAX_LINE_CHARS = 1 << 20;

/**
 * Reads a JSON Lines manifest (`.jsonl`, `.ndjson`): one run object per line, as a
 * database or `jq -c` writes them. It streams, line by line, so unlike a JSON manifest it
 * has no size limit; blank lines are skipped. Each line gets JSON's own syntax messages,
 * then is read by the YAML/JSON run reader (same fields, same checks).
 */
export async function* readJsonlManifest(
  path: string,
  file: string,
  options: JsonlOptions = {},
): AsyncGenerator<ManifestItem[]> {
  const nulls = options.nulls ?? NullCells.NONE;
  const { lines } = options;
  // NOTE: no header: what a line reads as is the reading's alone.
  const seed = lines && lineSeed(lines.readKey, "jsonl");
  let decoder: ChunkDecoder | undefined; // chosen from the first bytes (a byte-order mark)
  let carry = "";
  let line = 1;
  let goodBytes = 0;
  let sawRun = false;
  const problem = (at: number, message: string, column?: number): ManifestItem => ({
    kind: "problem",
    problem:
      column === undefined ? { file, line: at, message } : { file, line: at, column, message },
  });
  const readLines = (text: string, items: ManifestItem[]): void => {
    let start = 0;
    for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
      const raw = text.slice(start, end);
      const at = line++;
      const item =
        seed === undefined
          ? readLine(raw, at, file, nulls, problem)
          : readHashedLine(raw, at, file, nulls, problem, lines!, seed);
      if (item) {
        items.push(item);
        sawRun ||= item.kind !== "problem";
      }
      start = end + 1;
    }
    carry = text.slice(start);
  };
  for await (const chunk of fileChunks(path, 1 << 16)) {
    decoder ??= createChunkDecoder(detectBom(chunk) ?? options.encoding ?? "utf-8");
    let text: string;
    try {
      text = carry + decoder.decode(chunk, { stream: true }); // drops a BOM
    } catch {
      yield [await locateDecodeFault(path, decoder.encoding, goodBytes)].map(toItem(file));
      return;
    }
    goodBytes += chunk.length;
    const items: ManifestItem[] = [];
    readLines(text, items);
    if (carry.length > MAX_LINE_CHARS) {
      items.push(problem(line, "line is longer than 1 MiB (expected one run per line)"));
      yield items;
      return;
    }
    if (items.length > 0) yield items;
  }
  let rest: string;
  try {
    rest = carry + (decoder?.decode() ?? "");
  } catch {
    yield [await locateDecodeFault(path, decoder!.encoding, goodBytes)].map(toItem(file));
    return;
  }
  const items: ManifestItem[] = [];
  readLines(rest + "\n", items);
  if (!sawRun && !items.some((i) => i.kind === "problem")) {
    items.push(problem(1, 'is empty (expected one run per line, e.g. {"clientKey": "k-1"})'));
  }
  if (items.length > 0) yield items;
}

/** readLine of a line whose hash is matched first: a line the cache knows is its stub. */
function readHashedLine(
  raw: string,
  line: number,
  file: string,
  nulls: NullCells,
  problem: (at: number, message: string, column?: number) => ManifestItem,
  lines: LineReading,
  seed: number,
): ManifestItem | undefined {
  const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (text.trim() === "") return undefined;
  const hash = hashLine(text, seed);
  const entry = lines.matcher?.match(hash) ?? -1;
  if (entry >= 0) return lineStubItem(lines, entry, { file, line }, hash);
  const item = readLine(text, line, file, nulls, problem);
  if (item?.kind === "run") withLineHash(item.spec, hash);
  return item;
}

function readLine(
  raw: string,
  line: number,
  file: string,
  nulls: NullCells,
  problem: (at: number, message: string, column?: number) => ManifestItem,
): ManifestItem | undefined {
  const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (text.trim() === "") return undefined;
  const excess = checkJsonLimits(text, "a run needs 2");
  if (excess !== undefined) return problem(line, excess.message, excess.offset + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const position = / at position (\d+)/.exec(raw);
    const message = raw
      .replace(/( in JSON)? at position \d+.*$/s, "")
      .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "");
    return problem(
      line,
      `invalid JSON: ${message}`,
      position ? Number(position[1]) + 1 : undefined,
    );
  }
  if (isPlainJson(text)) return readJsonValue(value, line, file, nulls);
  const [doc] = new Composer({ uniqueKeys: true }).compose(new Parser().parse(text));
  if (doc === undefined) return undefined;
  if (doc.errors.length > 0)
    return problem(line, `invalid JSON: ${doc.errors[0]!.message.split(" at line")[0]}`);
  return readJsonLine(doc, line, file, nulls);
}

function toItem(file: string) {
  return (p: { line: number; column?: number; message: string }): ManifestItem => ({
    kind: "problem",
    problem:
      p.column === undefined
        ? { file, line: p.line, message: p.message }
        : { file, line: p.line, column: p.column, message: p.message },
  });
}
