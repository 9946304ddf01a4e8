import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { main } from "../../src/cli/main.js";
import type { RunSpec } from "../../src/manifest/index.js";
import { loadSyncConfig, readSourceSpecs, validateSources } from "../../src/sources/index.js";
import { captureIo } from "../helpers/io.js";

/** A fresh directory holding `files` (paths may have folders; Buffers are written as bytes). */
export function projectDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "srs-sources-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** `validate` in-process in `dir`: exit code, stdout, stderr lines. */
export async function validate(dir: string, args: string[] = []) {
  const io = captureIo({}, dir);
  const code = await main(["validate", ...args], io);
  return { code, stdout: io.out(), problems: io.err().trimEnd().split("\n").filter(Boolean) };
}

/** The runs a config reads (after checking it is valid), without their sources. */
export async function readRuns(dir: string, config = "sift-run-sync.yaml") {
  const loaded = await loadSyncConfig(config, dir);
  const result = await validateSources(loaded, { cwd: dir });
  const specs: Omit<RunSpec, "source">[] = [];
  if (result.totalProblems === 0) {
    for await (const { source: _, ...spec } of readSourceSpecs(loaded, { cwd: dir })) {
      specs.push(spec);
    }
  }
  return { specs, problems: result.problems.map(formatted) };
}

function formatted(p: { file: string; line: number; field?: string; message: string }): string {
  return `${p.file}:${p.line}${p.field ? ` ${p.field}` : ""}: ${p.message}`;
}

/** A config with one source at `path` and the given source keys (YAML flow text per key). */
export function oneSource(path: string, keys: string): string {
  return `version: 1\nsources:\n  - path: ${path}\n${keys
    .trim()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n")}\n`;
}
