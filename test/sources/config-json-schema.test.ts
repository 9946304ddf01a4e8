import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import MarkdownIt from "markdown-it";
import { globSync } from "tinyglobby";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  SYNC_CONFIG_SCHEMA_FILE,
  syncConfigJsonSchema,
} from "../../src/sources/config-json-schema.js";
import { loadSyncConfig } from "../../src/sources/index.js";
import { projectDir } from "./support.js";

/**
 * The JSON Schema of sift-run-sync.yaml (editor help) is generated from the loader's zod
 * schema: it must be committed up to date, describe every key, accept the repository's
 * example configs and refuse what the loader refuses for its shape (a misspelled key).
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const REGENERATE = "run `npm run schema` and commit schema/sift-run-sync.schema.json";

const committed = JSON.parse(readFileSync(join(ROOT, SYNC_CONFIG_SCHEMA_FILE), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  committed,
);

/** The example configs: examples/ and the README's sync-config blocks. */
function exampleConfigs(): { name: string; text: string }[] {
  const files = globSync(["examples/**/sift-run-sync*.{yaml,yml}"], { cwd: ROOT }).sort();
  const readme = new MarkdownIt()
    .parse(readFileSync(join(ROOT, "README.md"), "utf8"), {})
    .filter(
      (t) => t.type === "fence" && t.info.trim() === "yaml" && /^version: 1$/m.test(t.content),
    )
    .map((t) => ({ name: `README.md:${t.map![0] + 1}`, text: t.content }));
  return [...files.map((f) => ({ name: f, text: readFileSync(join(ROOT, f), "utf8") })), ...readme];
}

function errorsOf(value: unknown): string[] {
  return validate(value)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
      );
}

describe("schema/sift-run-sync.schema.json", () => {
  it("is what the zod schema of the loader generates", () => {
    const generated = JSON.stringify(syncConfigJsonSchema(), null, 2) + "\n";
    const onDisk = readFileSync(join(ROOT, SYNC_CONFIG_SCHEMA_FILE), "utf8");
    expect(onDisk === generated, `the schema is out of date: ${REGENERATE}`).toBe(true);
  });

  it("describes every key", () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (typeof node !== "object" || node === null) return;
      const schema = node as Record<string, unknown>;
      for (const [key, child] of Object.entries((schema.properties ?? {}) as object)) {
        if (typeof (child as { description?: unknown }).description !== "string") {
          missing.push(`${path}.${key}`);
        }
      }
      for (const value of Object.values(schema)) {
        if (Array.isArray(value)) value.forEach((v) => walk(v, path));
        else if (typeof value === "object") walk(value, path);
      }
    };
    walk(committed, "config");
    expect(
      missing,
      `keys without a description: add .describe("...") in src/sources/config-schema.ts, then ${REGENERATE}`,
    ).toEqual([]);
  });

  it("accepts every example config, as the loader does", async () => {
    const examples = exampleConfigs();
    expect(examples.map((e) => e.name)).toContain("examples/teststand/sift-run-sync.yaml");
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const { name, text } of examples) {
      expect(errorsOf(parse(text)), name).toEqual([]);
      const dir = projectDir({ "sift-run-sync.yaml": text });
      await expect(loadSyncConfig("sift-run-sync.yaml", dir), name).resolves.toBeDefined();
    }
  });

  it("refuses a misspelled key at every level, as the loader does", async () => {
    const example = readFileSync(join(ROOT, "examples/teststand/sift-run-sync.yaml"), "utf8");
    const misspellings: [RegExp, string, string][] = [
      [/^options:/m, "option:", ""],
      [/^ {4}timezone:/m, "    timezone_:", "/sources/0"],
      [/^ {4}csv: \{ delimiter:/m, "    csv: { delimter:", "/sources/0/csv"],
      [/^( {6})startTime:/m, "$1startTme:", "/sources/0/fields"],
      [/column: Stand,/, "colum: Stand,", "/sources/0/fields/assets"],
    ];
    for (const [pattern, replacement, at] of misspellings) {
      expect(example).toMatch(pattern);
      const text = example.replace(pattern, replacement);
      const errors = errorsOf(parse(text));
      expect(errors.join("\n"), replacement).toMatch(
        new RegExp(`^${at} must NOT have additional properties`, "m"),
      );
      const dir = projectDir({ "sift-run-sync.yaml": text });
      await expect(loadSyncConfig("sift-run-sync.yaml", dir), replacement).rejects.toThrow();
    }
  });

  it("refuses a wrong version and a config without sources", () => {
    expect(errorsOf({ version: 2, sources: [{ path: "a.csv" }] })).not.toEqual([]);
    expect(errorsOf({ version: 1 })).not.toEqual([]);
    expect(errorsOf({ version: 1, sources: [] })).not.toEqual([]);
    expect(errorsOf({ version: 1, sources: [{ path: "a.csv" }] })).toEqual([]);
  });

  it("is shipped in the package and named by the README's yaml-language-server line", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      files: string[];
      exports: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.files).toContain("schema");
    expect(pkg.exports[`./${SYNC_CONFIG_SCHEMA_FILE}`]).toBe(`./${SYNC_CONFIG_SCHEMA_FILE}`);
    expect(pkg.scripts.schema).toMatch(/scripts\/schema\.mjs/);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(
      `# yaml-language-server: $schema=./node_modules/sift-run-sync/${SYNC_CONFIG_SCHEMA_FILE}`,
    );
  });
});
