import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatProblem, ManifestError, UsageError } from "../../src/core/errors.js";
import {
  expandPaths,
  MAX_KEPT_PROBLEMS,
  type RunSpec,
  readRunSpecs,
  validateManifests,
} from "../../src/manifest/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-api-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), body);
  }
}

async function collect(paths: string[]): Promise<RunSpec[]> {
  const specs: RunSpec[] = [];
  for await (const spec of readRunSpecs(paths, { cwd: dir })) specs.push(spec);
  return specs;
}

describe("expandPaths", () => {
  it("keeps files as given and expands directories to their manifests, sorted by name", async () => {
    await write({
      "m/b.yaml": "[]",
      "m/a.csv": "clientKey\n",
      "m/c.yml": "[]",
      "m/d.json": "[]",
      "m/notes.txt": "",
      "m/.hidden.csv": "clientKey\n",
      "m/sub/e.csv": "clientKey\n",
      "z.csv": "clientKey\n",
    });
    expect(await expandPaths(["z.csv", "m", "m/a.csv"], { cwd: dir })).toEqual([
      "z.csv",
      join("m", "a.csv"),
      join("m", "b.yaml"),
      join("m", "c.yml"),
      join("m", "d.json"),
    ]);
  });

  it("refuses a missing path, an unknown extension and a directory without manifests", async () => {
    await write({ "notes.md": "", "empty/readme.md": "", "empty/notes.txt": "" });
    await expect(expandPaths(["nope.csv"], { cwd: dir })).rejects.toThrow(
      new UsageError("nope.csv: no such file or directory"),
    );
    await expect(expandPaths(["notes.md"], { cwd: dir })).rejects.toThrow(
      "notes.md: unknown manifest format (expected *.csv, *.tsv, *.yaml, *.yml, *.json, *.jsonl or *.ndjson, a tab-separated *.txt, or - for standard input)",
    );
    await expect(expandPaths(["empty"], { cwd: dir })).rejects.toThrow(
      "empty: no manifest files in this directory (expected *.csv, *.tsv, *.yaml, *.yml, *.json, *.jsonl or *.ndjson)",
    );
  });
});

describe("validateManifests", () => {
  it("counts runs per file and reports problems of all files together", async () => {
    await write({
      "a.csv": "clientKey,isPinned\na-1,maybe\na-2,true\n",
      "b.yaml": "- clientKey: b-1\n  isArchived: 1\n- clientKey: a-2\n",
    });
    const result = await validateManifests(["a.csv", "b.yaml"], { cwd: dir });
    expect(result).toMatchObject({ files: ["a.csv", "b.yaml"], runs: 4, runsPerFile: [2, 2] });
    expect(result.problems.map(formatProblem)).toEqual([
      'a.csv:2 isPinned: "maybe" is not a boolean (expected true, false, yes, no, 1 or 0)',
      "b.yaml:2 isArchived: expected a boolean (true or false), got the number 1",
      'b.yaml:3 clientKey: "a-2" is also defined at a.csv:3',
    ]);
  });

  it("keeps the first problems in detail and counts the rest", async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `k-${i},not-a-time`);
    await write({ "many.csv": ["clientKey,startTime", ...rows].join("\n") });
    const result = await validateManifests(["many.csv"], { cwd: dir });
    expect(result.totalProblems).toBe(500);
    expect(result.problems).toHaveLength(MAX_KEPT_PROBLEMS);
    expect(formatProblem(result.problems[49]!)).toMatch(/^many\.csv:51 startTime: /);
  });

  it("reads __proto__ as an ordinary metadata key", async () => {
    await write({
      "p.csv": "clientKey,metadata.__proto__:number\np-1,5\n",
      "p.yaml": "- clientKey: p-2\n  metadata:\n    __proto__: x\n",
    });
    const [csv, yaml] = await collect(["p.csv", "p.yaml"]);
    expect(Object.entries(csv!.metadata!)).toEqual([["__proto__", { value: 5, type: "number" }]]);
    expect(Object.entries(yaml!.metadata!)).toEqual([["__proto__", { value: "x" }]]);
    expect(Object.getPrototypeOf(csv!.metadata)).toBe(Object.prototype);
  });

  it("refuses an oversized clientKey and points an unknown YAML key at its own line", async () => {
    await write({
      "long.csv": `clientKey\n${"k".repeat(513)}\n`,
      "k.yaml": "- clientKey: k-1\n  name: ok\n  startime: 2024-01-31T12:00:00Z\n",
    });
    const result = await validateManifests(["long.csv", "k.yaml"], { cwd: dir });
    expect(result.problems.map(formatProblem)).toEqual([
      "long.csv:2 clientKey: is 513 characters long (expected at most 512)",
      'k.yaml:3 startime: unknown key (did you mean "startTime"?)',
    ]);
  });

  it("reads runId as CSV column runId/run_id and YAML key, never as a default", async () => {
    const ID = "3f0e9a2c-0000-4c5e-9f8a-000000000001";
    await write({
      "a.csv": `clientKey,run_id,name\na-1, ${ID} ,A\na-2,,B\n`,
      "b.yaml": `defaults: {runId: x}\nruns:\n  - {clientKey: b-1, runId: ${ID.toUpperCase()}}\n`,
      "c.csv": 'clientKey,runId\nc-1,"two words"\nc-2,run-1\n',
    });
    const result = await validateManifests(["a.csv", "b.yaml", "c.csv"], { cwd: dir });
    // Sift's run ids are UUIDs: anything else can name no run, and never reaches a lookup.
    const notAnId = (text: string) =>
      `runId: "${text}" is not a Sift run id (expected a UUID, e.g. 3f0e9a2c-7b1d-4c5e-9f8a-1b2c3d4e5f60, as Sift prints it; or leave runId out to match by clientKey)`;
    expect(result.problems.map(formatProblem)).toEqual([
      "b.yaml:1 runId: cannot have a default (each run needs its own)",
      `c.csv:2 ${notAnId("two words")}`,
      `c.csv:3 ${notAnId("run-1")}`,
    ]);
    expect(await collect(["a.csv"])).toEqual([
      { clientKey: "a-1", runId: ID, name: "A", source: { file: "a.csv", line: 2 } },
      { clientKey: "a-2", name: "B", source: { file: "a.csv", line: 3 } },
    ]);
  });

  it("ignores CSV rows of blank cells and trims cells", async () => {
    await write({ "blank.csv": "clientKey,name\n , \n,\nb-1, Run \n" });
    expect(await collect(["blank.csv"])).toEqual([
      { clientKey: "b-1", name: "Run", source: { file: "blank.csv", line: 4 } },
    ]);
  });
});

describe("YAML and JSON size", () => {
  it("refuses a YAML or JSON manifest over 8 MiB without reading it", async () => {
    const { truncate } = await import("node:fs/promises");
    await write({ "huge.json": "" });
    await truncate(join(dir, "huge.json"), 9 * 1024 * 1024);
    const result = await validateManifests(["huge.json"], { cwd: dir });
    expect(result.problems.map(formatProblem)).toEqual([
      "huge.json:1 is 9 MiB, more than the 8 MiB a JSON manifest may hold (use CSV for large manifests: it streams)",
    ]);
  });
});

describe("readRunSpecs", () => {
  it("streams specs in file order", async () => {
    await write({ "a.csv": "clientKey\na-1\na-2\n", "b.yaml": "- clientKey: b-1\n" });
    expect((await collect(["a.csv", "b.yaml"])).map((s) => s.clientKey)).toEqual([
      "a-1",
      "a-2",
      "b-1",
    ]);
  });

  it("throws a ManifestError naming the problem it meets", async () => {
    await write({ "a.csv": "clientKey,startTime\na-1,2024-01-31T12:00:00Z\na-2,soon\n" });
    const seen: string[] = [];
    const error = await (async () => {
      try {
        for await (const spec of readRunSpecs(["a.csv"], { cwd: dir })) seen.push(spec.clientKey);
      } catch (e) {
        return e;
      }
    })();
    expect(seen).toEqual(["a-1"]);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems.map(formatProblem)).toEqual([
      'a.csv:3 startTime: "soon" is not an RFC 3339 timestamp (expected e.g. 2024-01-31T12:00:00Z)',
    ]);
  });
});
