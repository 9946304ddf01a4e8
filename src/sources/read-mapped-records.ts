import { DEFAULT_UNICODE, type UnicodeMode } from "../core/unicode.js";
import { readFile, stat } from "node:fs/promises";
import { type Document, isMap, isSeq, LineCounter, type Node } from "yaml";
import type { Problem } from "../core/errors.js";
import { unmappedMessage } from "./bind-columns.js";
import { type BoundRule, bindTemplate, fillTemplate, RecordMapper } from "./map-record.js";
import { columnsOf, type Mapping } from "./mapping.js";
import {
  findMissingPaths,
  keyOffset,
  mappedObjects,
  nfcKeys,
  pathGetter,
  type ReadRecord,
  unmappedNestedKeys,
} from "./nested-keys.js";
import type { SourceConfig } from "./source-config.js";
import {
  checkJsonLimits,
  createChunkDecoder,
  describe,
  detectBom,
  locateDecodeFault,
  locateOffset,
  type ManifestItem,
  MAX_YAML_BYTES,
  type NullCells,
  quote,
  type RunParts,
  tooDeepMessage,
} from "../manifest/index.js";
import { parseFirstDocument } from "../manifest/yaml-depth.js";

type Record_ = Record<string, unknown>;

/**
 * Reads the records of a YAML, JSON or JSON Lines export through a mapping. A field names a
 * key or a dot path (`sample.id`); `records: data.items` says where the list is. Records
 * are read whole, like YAML manifests (and with their size limit).
 */
export async function readMappedRecords(
  path: string,
  file: string,
  format: "document" | "lines",
  source: SourceConfig,
  mapping: Mapping,
  defaults: RunParts,
  options: { unicode?: UnicodeMode } = {},
): Promise<ManifestItem[]> {
  // A key a Mac wrote in NFD is the config's NFC key (`--unicode nfc`, the default).
  const keys = (options.unicode ?? DEFAULT_UNICODE) === "nfc" ? nfcKeys : (value: unknown) => value;
  const problem = (line: number, message: string, field?: string): ManifestItem => {
    const p: Problem = { file, line, message };
    if (field !== undefined) p.field = field;
    return { kind: "problem", problem: p };
  };
  const { size } = await stat(path);
  if (size > MAX_YAML_BYTES) {
    return [
      problem(
        1,
        `is larger than ${MAX_YAML_BYTES / 1024 / 1024} MiB (export large sources as CSV: it streams)`,
      ),
    ];
  }
  // JSON Lines in the source's encoding (or its byte-order mark's), as CSV; YAML/JSON: UTF-8.
  const bytes = await readFile(path);
  const decoder = createChunkDecoder(
    detectBom(bytes) ?? (format === "lines" ? source.encoding : "utf-8"),
  );
  let text: string;
  try {
    text = decoder.decode(bytes, { stream: true }) + decoder.decode(); // drops a BOM
  } catch {
    const fault = await locateDecodeFault(path, decoder.encoding, 0);
    const located: Problem = { file, line: fault.line, message: fault.message };
    if (fault.column !== undefined) located.column = fault.column;
    return [{ kind: "problem", problem: located }];
  }
  const records: ReadRecord[] = [];
  const items: ManifestItem[] = [];
  const lines = new LineCounter();
  if (format === "lines") {
    text.split("\n").forEach((raw, i) => {
      if (raw.trim() === "") return;
      // Measured before JSON.parse, which would hold every level of a deep line in memory.
      const excess = checkJsonLimits(raw);
      if (excess !== undefined) {
        const p = problem(i + 1, excess.message);
        (p as { problem: Problem }).problem.column = excess.offset + 1;
        items.push(p);
        return;
      }
      try {
        const found = findRecords(keys(JSON.parse(raw)), undefined, source.records);
        if (typeof found === "string") items.push(problem(i + 1, found));
        else for (const value of found.values) records.push({ line: i + 1, value });
      } catch (error) {
        items.push(
          problem(
            i + 1,
            `invalid JSON: ${(error as Error).message.replace(/ in JSON at position.*/s, "")}`,
          ),
        );
      }
    });
  } else {
    const read = readDocument(text, path.toLowerCase().endsWith(".json"), lines);
    if ("offset" in read) {
      const at = locateOffset(text, read.offset);
      const located: Problem = { file, line: at.line, column: at.column, message: read.message };
      return [{ kind: "problem", problem: located }];
    }
    const doc = read.doc;
    if (doc.errors.length > 0) {
      return doc.errors.map((e) =>
        problem(
          lines.linePos(e.pos[0]).line,
          `invalid YAML/JSON: ${e.message.split(/ at line \d+/)[0]}`,
        ),
      );
    }
    const found = findRecords(keys(doc.toJS({ maxAliasCount: 100 })), doc.contents, source.records);
    if (typeof found === "string") return [problem(1, found)];
    found.values.forEach((value, i) => {
      const node = found.nodes[i];
      const range = node?.range;
      records.push({ line: range ? lines.linePos(range[0]).line : 1, value, node });
    });
  }
  const bound = bindRecordRules(mapping, source.nulls);
  const mapper = new RecordMapper(bound, source.nulls, defaults);
  const known = knownKeys(mapping);
  const reported = new Set<string>();
  const isRecord = (value: unknown): value is Record_ =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  // A mapped dot path no record holds: the file's problem, as a missing CSV column is.
  const missing = findMissingPaths(
    records.flatMap((r) => (isRecord(r.value) ? [r.value] : [])),
    mapping,
  );
  const firstLine = records[0]?.line ?? 1;
  for (const { path, rule, hint } of missing) {
    items.push(
      problem(
        firstLine,
        `is in no record of ${file}; ${hint}`,
        `${path} (${rule.name}, via ${mapping.via})`,
      ),
    );
  }
  const missingPaths = missing.map((m) => m.path);
  const objects = mappedObjects(mapping);
  const nestedReported = new Set<string>();
  for (const { line, value, node } of records) {
    /** A key no rule reads, located at the key itself when the reader knows where it is. */
    const unmapped = (path: string): ManifestItem => {
      const located: Problem = {
        file,
        line,
        field: path,
        message: unmappedMessage(path, missingPaths, mapping),
      };
      const offset = keyOffset(node, path);
      if (offset !== undefined) {
        const at = lines.linePos(offset);
        located.line = at.line;
        located.column = at.col;
      }
      return { kind: "problem", problem: located };
    };
    if (!isRecord(value)) {
      items.push(problem(line, `expected a record (a mapping of keys), got ${describe(value)}`));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (known.has(key) || reported.has(key) || mapping.ignoreColumns.has(key)) continue;
      reported.add(key);
      items.push(unmapped(key));
    }
    for (const path of unmappedNestedKeys(value, objects, mapping.ignoreColumns, nestedReported)) {
      items.push(unmapped(path));
    }
    items.push(mapper.map(value, { file, line }));
  }
  return items;
}

/**
 * The first document of a YAML or JSON text, unless it nests too deep (yaml-depth.ts) or,
 * for JSON, holds a mapping too wide (json-limits.ts).
 */
function readDocument(
  text: string,
  json: boolean,
  lines: LineCounter,
): { doc: Document.Parsed } | { offset: number; message: string } {
  const excess = json ? checkJsonLimits(text) : undefined;
  if (excess !== undefined) return excess;
  const read = parseFirstDocument(text, lines);
  return read.ok ? { doc: read.doc } : { offset: read.offset, message: tooDeepMessage() };
}

/** The list at `path` (the root when none), with its nodes when the text was YAML/JSON. */
function findRecords(
  root: unknown,
  rootNode: unknown,
  path: string[] | undefined,
): { values: unknown[]; nodes: (Node | undefined)[] } | string {
  let value = root;
  let node = rootNode;
  for (const part of path ?? []) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) {
      return `has no ${quote(part)} (records: ${path!.join(".")} says where the records are)`;
    }
    value = (value as Record_)[part];
    node = isMap(node)
      ? node.get(part, true)
      : isSeq(node)
        ? node.get(Number(part), true)
        : undefined;
  }
  if (Array.isArray(value)) {
    const nodes = isSeq(node) ? (node.items as Node[]) : [];
    return { values: value, nodes };
  }
  if (path === undefined && typeof value === "object" && value !== null) {
    return { values: [value], nodes: [node as Node] }; // one record per JSON line
  }
  const where = path === undefined ? "the file" : path.join(".");
  return `expected a list of records at ${where}, got ${describe(value)}${path === undefined ? " (set records: to where the list is)" : ""}`;
}

/** Rules bound to records: a column is a key, or a dot path when no key has that name. */
function bindRecordRules(mapping: Mapping, nulls: NullCells): BoundRule<Record_>[] {
  return mapping.rules.map((rule) => {
    const from = rule.from;
    if (from.kind === "column") return { rule, get: pathGetter(from.column) };
    if (from.kind === "template") {
      const parts = bindTemplate(from.parts, pathGetter);
      return { rule, get: (record: Record_) => fillTemplate(parts, record, nulls) };
    }
    return { rule, get: () => undefined }; // a constant: read once, from the config
  });
}

/** The top-level keys of a record that some rule reads. */
function knownKeys(mapping: Mapping): Set<string> {
  const keys = new Set<string>();
  for (const rule of mapping.rules) {
    for (const column of columnsOf(rule)) {
      keys.add(column);
      keys.add(column.split(".")[0]!);
    }
  }
  return keys;
}
