import { execFile } from "node:child_process";
import { closeSync, ftruncateSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { BIN } from "../reliability/support/processes.js";
import { cli, workspace } from "./support.js";

/**
 * Inputs built to exhaust memory, time or the stack end with a located message and exit 1,
 * fast, in bounded memory. The CLI runs as its own process with a small heap, so reading a
 * file whole (or a V8 abort) shows as a failure instead of a slow test.
 */
const SMALL_HEAP = "--max-old-space-size=48";
const GIB = 1024 * 1024 * 1024;
const run = promisify(execFile);

async function validateInChild(cwd: string, ...files: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [SMALL_HEAP, BIN, "validate", ...files],
      {
        cwd,
        maxBuffer: 1 << 24,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; signal?: string; stdout: string; stderr: string };
    return { code: e.code ?? e.signal, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A file of `header` then `bytes` more bytes, all NUL and none a line break: one huge line. */
function sparseFile(path: string, header: string, bytes: number): void {
  const fd = openSync(path, "w");
  writeSync(fd, header);
  ftruncateSync(fd, Buffer.byteLength(header) + bytes); // sparse: no disk used
  closeSync(fd);
}

describe("huge cells and lines", () => {
  const { manifests: dir } = workspace({});
  afterAll(() => rmSync(dir, { recursive: true, force: true })); // 30 MB of files
  const cell = "x".repeat(10 * 1024 * 1024);
  writeFileSync(join(dir, "cell.csv"), `clientKey,name\nk1,${cell}\n`);
  writeFileSync(join(dir, "quoted.csv"), `clientKey,name\nk1,"${cell}"\n`);
  writeFileSync(join(dir, "lines.csv"), `clientKey,name\nk1,"${"y\n".repeat(5 * 1024 * 1024)}"\n`);
  sparseFile(join(dir, "gib.csv"), "clientKey,name\n", GIB);
  sparseFile(join(dir, "gib-header.csv"), "", GIB);
  sparseFile(join(dir, "gib.yaml"), "", GIB);
  sparseFile(join(dir, "gib.json"), "", GIB);

  const EXPECTED = [
    "cell.csv:2 line is longer than 1 MiB",
    "quoted.csv:2 line is longer than 1 MiB",
    'lines.csv:2 unterminated quoted cell: no closing quote within 1 MiB (expected a closing ")',
    "gib.csv:2 line is longer than 1 MiB",
    "gib-header.csv:1 line is longer than 1 MiB",
    "gib.yaml:1 is 1024 MiB, more than the 8 MiB a YAML manifest may hold (use CSV for large manifests: it streams)",
    "gib.json:1 is 1024 MiB, more than the 8 MiB a JSON manifest may hold (use CSV for large manifests: it streams)",
  ];

  it("are refused, located, without reading any file whole", async () => {
    const files = EXPECTED.map((line) => line.split(":")[0]!);
    const result = await validateInChild(dir, ...files);
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stderr.split("\n");
    for (const message of EXPECTED) expect(lines).toContain(message);
  });
});

describe("10,000 columns", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(() => emulator.close());
  const keys = Array.from({ length: 10_000 }, (_, i) => `k${i}`);

  it("as metadata: read, planned and applied, 10,000 keys on the run", async () => {
    const header = `clientKey,name,${keys.map((k) => `metadata.${k}`).join(",")}`;
    const row = `wide-1,Wide,${keys.map((_, i) => `v${i}`).join(",")}`;
    const { manifests } = workspace({ "wide.csv": `${header}\n${row}\n` });
    const env = { SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" };
    const applied = await cli(["apply", manifests], env);
    expect(applied.code, applied.stderr).toBe(0);
    const [created] = emulator.runs().filter((r) => r.clientKey === "wide-1");
    expect(created?.metadata).toHaveLength(10_000);
    const again = await cli(["plan", manifests, "--detailed-exitcode"], env);
    expect(again.code, again.stdout).toBe(0);
  });

  it("unknown: every one reported, the first 50 listed", async () => {
    const { manifests } = workspace({ "unknown.csv": `clientKey,name,${keys.join(",")}\nk,n\n` });
    const result = await cli(["validate", manifests], {});
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual([
      `${join(manifests, "unknown.csv")}:1 header: unknown column "k0" (expected clientKey, runId, name, description, startTime, stopTime, assets, tags, isPinned, isArchived or metadata.<key>[:string|number|boolean])`,
      `${join(manifests, "unknown.csv")}:1 header: unknown column "k1" (expected clientKey, runId, name, description, startTime, stopTime, assets, tags, isPinned, isArchived or metadata.<key>[:string|number|boolean])`,
    ]);
    expect(lines.slice(-2)).toEqual([
      "... and 9950 more",
      "error: 10000 problems in the manifests; nothing was written",
    ]);
  });
});

describe("deeply nested YAML and JSON", () => {
  const { manifests: dir } = workspace({});
  const DEPTHS = [65, 1000, 1500, 2000, 3000, 100_000];
  const files: string[] = [];
  for (const depth of DEPTHS) {
    const nest = "[".repeat(depth) + "]".repeat(depth);
    const mapNest = "{a: ".repeat(depth) + "1" + "}".repeat(depth);
    writeFileSync(join(dir, `tags-${depth}.yaml`), `- clientKey: a\n  name: b\n  tags: ${nest}\n`);
    writeFileSync(
      join(dir, `meta-${depth}.yaml`),
      `- clientKey: a\n  name: b\n  metadata: ${mapNest}\n`,
    );
    writeFileSync(join(dir, `top-${depth}.json`), `[${nest}]\n`);
    files.push(`tags-${depth}.yaml`, `meta-${depth}.yaml`, `top-${depth}.json`);
  }
  if (DEPTHS.includes(2000)) {
    // Block style: indentation, then compact "- - -" sequences on one line.
    const block = Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i)}-`).join("\n");
    writeFileSync(join(dir, "block-2000.yaml"), `${block} x\n`);
    writeFileSync(join(dir, "compact-5000.yaml"), `${"- ".repeat(5000)}x\n`);
    files.push("block-2000.yaml", "compact-5000.yaml");
  }

  it.each([
    "meta-65.yaml",
    "tags-2000.yaml",
    "top-100000.json",
    "block-2000.yaml",
    "compact-5000.yaml",
  ])("%s: refused with a located message", async (file) => {
    const result = await validateInChild(dir, file);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^${file.replace(".", "\\.")}:\\d+:\\d+ lists and mappings nested more than 64 deep \\(a manifest needs 4\\)$`,
        "m",
      ),
    );
  });

  it("all at once, in every order the files come (no abort in the regexp compiler)", async () => {
    const forward = await validateInChild(dir, ...files);
    const backward = await validateInChild(dir, ...[...files].reverse());
    for (const result of [forward, backward]) {
      expect(result.code, result.stderr.slice(0, 500)).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`error: ${files.length} problems in the manifests`));
    }
  });

  it("64 levels are still read (far more than a manifest needs)", async () => {
    const nest = "[".repeat(60) + "x" + "]".repeat(60);
    writeFileSync(join(dir, "ok-depth.yaml"), `- clientKey: a\n  name: b\n  tags: ${nest}\n`);
    const result = await validateInChild(dir, "ok-depth.yaml");
    expect(result.stderr).toMatch(/ok-depth\.yaml:3 tags: item 1 is a list \(expected a string\)/);
  });
});

describe("alias bombs", () => {
  it.each([
    [
      "billion laughs",
      `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from({ length: 8 }, (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(",")}]`).join("\n")}\nruns: []\n`,
    ],
    [
      "a doubling chain",
      `a0: &a0 [x]\n${Array.from({ length: 60 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}]`).join("\n")}\nruns: []\n`,
    ],
    [
      "a merge key used a thousand times",
      `- &r {clientKey: a, name: b}\n${Array.from({ length: 1000 }, (_, i) => `- {<<: *r, clientKey: k${i}}`).join("\n")}\n`,
    ],
  ])("%s: refused, located", async (_, text) => {
    const { manifests } = workspace({ "bomb.yaml": text });
    const result = await cli(["validate", "bomb.yaml"], {}, manifests);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^bomb\.yaml:\d+ uses aliases that expand too much \(more than 100 alias expansions; an alias bomb\?\)$/m,
    );
  });
});
