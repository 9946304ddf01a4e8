import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LineCounter } from "yaml";
import type { z } from "zod";
import { ManifestError, type Problem, UsageError } from "../core/errors.js";
import { MAYBE_NOT_NFC, textForms } from "../core/unicode.js";
import { compileFields } from "./compile-fields.js";
import { type ConfigPath, ConfigLocator, type ConfigProblem } from "./config-location.js";
import {
  CONFIG_VERSION,
  type ConfigEntry,
  configSchema,
  FIELD_KEYS,
  fieldObjectSchema,
  optionsSchema,
  type SourceEntry,
  sourceSchema,
} from "./config-schema.js";
import type { SourceConfig, SyncConfig } from "./source-config.js";
import {
  DEFAULT_CSV_DIALECT,
  describe,
  NullCells,
  quote,
  readCsvDialect,
  readYamlRun,
  type RunParts,
  suggestName,
  tooDeepMessage,
} from "../manifest/index.js";
import { parseFirstDocument } from "../manifest/yaml-depth.js";

/** A config is written by hand; anything this large is something else. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads and checks a sync config. `file` is as the user gave it (messages name it so);
 * paths inside are relative to its directory. Every problem of the config is reported at
 * once as a ManifestError, located `sift-run-sync.yaml:12 sources[0].timezone: ...`.
 *
 * @example
 * const config = await loadSyncConfig("sift-run-sync.yaml", process.cwd());
 * const result = await validateSources(config);
 */
export async function loadSyncConfig(file: string, cwd: string): Promise<SyncConfig> {
  const path = resolve(cwd, file);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${file}: no such file`);
  if (!info.isFile()) throw new UsageError(`${file}: is not a file (expected a sync config)`);
  if (info.size > MAX_CONFIG_BYTES) {
    throw new UsageError(`${file}: is larger than 1 MiB (expected a sync config)`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await readFile(path));
  } catch {
    throw new ManifestError([{ file, line: 1, message: "is not UTF-8 (expected a YAML file)" }]);
  }
  const lines = new LineCounter();
  const read = parseFirstDocument(text, lines);
  if (!read.ok) {
    const at = lines.linePos(read.offset);
    throw new ManifestError([{ file, line: at.line, column: at.col, message: tooDeepMessage() }]);
  }
  const doc = read.doc;
  if (doc.errors.length > 0) {
    throw new ManifestError(
      doc.errors.map((error) => ({
        file,
        line: lines.linePos(error.pos[0]).line,
        message: `invalid YAML: ${error.message.split(/ at line \d+/)[0]}`,
      })),
    );
  }
  const locator = new ConfigLocator(doc, lines, file);
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, [], raw));
    throw new ManifestError(byLine(unique(problems).map((p) => locator.locate(p))));
  }
  const config = compileConfig(parsed.data, file, dirname(path), locator);
  config.plainText = !MAYBE_NOT_NFC.test(text);
  config.digest = createHash("sha256").update(`${file}\n${config.dir}\n${text}`).digest("hex");
  return config;
}

function compileConfig(
  entry: ConfigEntry,
  file: string,
  dir: string,
  locator: ConfigLocator,
): SyncConfig {
  const problems: ConfigProblem[] = [];
  const sources = entry.sources.map((source, index) =>
    compileSource(source, index, file, locator, problems),
  );
  const located = unique(problems).map((p) => locator.locate(p));
  let defaults: RunParts = {};
  if (entry.defaults !== undefined && entry.defaults !== null) {
    const line = locator.lineOf(["defaults"]);
    const read = readYamlRun(
      entry.defaults,
      {
        line,
        keyLine: (key) => locator.lineOf(["defaults", key]),
        metadataKeyLine: (key) => locator.lineOf(["defaults", "metadata", key]),
      },
      "defaults",
    );
    defaults = read.parts;
    for (const p of read.problems) {
      const field = p.field === undefined ? "defaults" : `defaults.${p.field}`;
      located.push({ file, line: p.line ?? line, field, message: p.message });
    }
  }
  if (located.length > 0) throw new ManifestError(byLine(located));
  return { file, dir, sources, defaults, options: entry.options ?? {} };
}

function compileSource(
  entry: SourceEntry,
  index: number,
  file: string,
  locator: ConfigLocator,
  problems: ConfigProblem[],
): SourceConfig {
  const at: ConfigPath = ["sources", index];
  const via = `${file} sources[${index}]`;
  const source: SourceConfig = {
    index,
    path: entry.path,
    line: locator.lineOf(at),
    csv: DEFAULT_CSV_DIALECT,
    encoding: DEFAULT_CSV_DIALECT.encoding,
    nulls: new NullCells(entry.nulls ?? []),
    records: entry.records?.split("."),
    mapping: undefined,
  };
  // `encoding:` is the source's; csv.encoding, when given, is its CSV files' own.
  const encoding = readCsvDialect({ encoding: entry.encoding });
  if (encoding.ok) source.encoding = encoding.dialect.encoding;
  else problems.push({ path: [...at, "encoding"], message: encoding.message });
  const dialect = readCsvDialect({ encoding: source.encoding, ...entry.csv });
  if (dialect.ok) source.csv = dialect.dialect;
  else problems.push({ path: [...at, "csv", dialect.field], message: dialect.message });
  if (entry.fields !== undefined) {
    const rules = compileFields({ ...entry, fields: entry.fields }, at, via, problems);
    // Each name in its NFC and NFD forms too: a header a Mac wrote decomposed is still listed.
    const ignoreColumns = new Set((entry.ignoreColumns ?? []).flatMap(textForms));
    source.mapping = { rules, ignoreColumns, via };
  } else {
    for (const key of ["timezone", "timeFormat", "dst", "ignoreColumns"] as const) {
      if (entry[key] !== undefined) {
        problems.push({
          path: [...at, key],
          message: "applies to mapped fields only (add fields, or remove it)",
        });
      }
    }
  }
  return source;
}

type Issue = z.core.$ZodIssue;

/** A zod issue in the words of the rest of the tool, with its path into the config. */
function describeIssue(issue: Issue, prefix: ConfigPath, root: unknown): ConfigProblem[] {
  const path: ConfigPath = [...prefix, ...(issue.path as (string | number)[])];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const known = knownKeysAt(path);
        const suggestion = suggestName(key, known);
        const hint = suggestion
          ? `did you mean ${quote(suggestion)}?`
          : `expected ${known.join(", ")}`;
        return { path: [...path, key], message: `unknown key (${hint})` };
      });
    case "invalid_union": {
      // The alternative that got furthest into the value says the most.
      const branches = issue.errors.filter((b) => b.length > 0);
      const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a), branches[0] ?? []);
      if (depth(best) === 0) break;
      return best.flatMap((inner) => describeIssue(inner, path, root));
    }
    case "invalid_type": {
      const value = valueAt(root, path);
      if (value === undefined) return [{ path, message: "is missing" }];
      if (value === null) {
        const message = `is empty: YAML reads NULL, null, ~ and nothing at all as "no value" (expected ${expectedOf(path, issue.expected)}; quote text such as "NULL")`;
        return [{ path, message }];
      }
      return [
        { path, message: `expected ${expectedOf(path, issue.expected)}, got ${describe(value)}` },
      ];
    }
    case "invalid_value": {
      const value = valueAt(root, path);
      if (path.length === 1 && path[0] === "version") {
        return [{ path, message: `is ${describe(value)} (expected ${CONFIG_VERSION})` }];
      }
      const values = issue.values.map((v) => String(v));
      const expected =
        values.length > 2
          ? `one of ${values.join(", ")}`
          : values.map((v) => quote(v)).join(" or ");
      return [{ path, message: `is ${describe(value)} (expected ${expected})` }];
    }
    case "too_small": {
      if (issue.origin !== "number") return [{ path, message: "is empty" }];
      const bound = `${issue.inclusive ? "≥" : ">"} ${issue.minimum}`;
      return [{ path, message: `is ${describe(valueAt(root, path))} (expected ${bound})` }];
    }
    default:
      break;
  }
  return [{ path, message: issue.message.replace(/^Invalid input: /, "") }];
}

function depth(issues: Issue[]): number {
  return Math.max(
    0,
    ...issues.map((i) =>
      i.code === "invalid_type" && i.path.length === 0 ? 0 : i.path.length + 1,
    ),
  );
}

function expectedOf(path: ConfigPath, expected: string): string {
  const last = path[path.length - 1];
  if (path[path.length - 2] === "fields" || path[path.length - 3] === "fields") {
    return "a column name, a {Column} template, or a mapping with column, template or value";
  }
  if (last === "timeFormat") return "a time format or a list of them";
  if (path.length === 0) return "a sync config (a mapping with version: 1 and sources)";
  const words: Record<string, string> = { string: "a text", object: "a mapping", array: "a list" };
  return words[expected] ?? `a ${expected}`;
}

/** The keys a mapping at `path` may hold, for "did you mean". */
function knownKeysAt(path: ConfigPath): string[] {
  const keys = (schema: { shape: object }) => Object.keys(schema.shape);
  if (path.length === 0) return keys(configSchema);
  if (path[0] === "options") return keys(optionsSchema);
  if (path.length === 2) return keys(sourceSchema);
  if (path[2] === "csv") return ["delimiter", "encoding", "skipLines"];
  if (path[2] === "fields" && path.length === 3) return [...FIELD_KEYS];
  return keys(fieldObjectSchema);
}

function valueAt(root: unknown, path: ConfigPath): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function byLine(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.line - b.line);
}

function unique(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.path, p.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
