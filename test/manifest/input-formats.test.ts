import fc from "fast-check";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { formatProblem } from "../../src/core/errors.js";
import { type RunSpec, readRunSpecs, validateManifests } from "../../src/manifest/index.js";
import { captureIo } from "../helpers/io.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "input-formats-"));
  await writeFile(join(dir, "a.tsv"), "clientKey\tname\tdescription\nt-1\tTab, separated\tx;y\n");
  await writeFile(
    join(dir, "b.jsonl"),
    '{"clientKey": "j-1", "name": "First", "tags": ["x"]}\r\n\n{"client_key": "j-2", "metadata": {"n": 3}}\n',
  );
  await writeFile(join(dir, "c.ndjson"), '{"clientKey": "n-1"}');
  await writeFile(join(dir, "notes.txt"), "not a manifest");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function specsOf(paths: string[], cwd = dir): Promise<RunSpec[]> {
  const specs: RunSpec[] = [];
  for await (const spec of readRunSpecs(paths, { cwd })) specs.push(spec);
  return specs;
}

function stdinOf(text: string): Readable & { isTTY?: boolean } {
  return Readable.from([Buffer.from(text)]);
}

describe(".tsv, .jsonl and .ndjson", () => {
  it("are read from a directory, with everything else left out", async () => {
    const result = await validateManifests(["."], { cwd: dir });
    expect(result.files).toEqual(["a.tsv", "b.jsonl", "c.ndjson"]);
    expect(result.problems).toEqual([]);
    expect(result.runs).toBe(4);
  });

  it("a .tsv is tab-separated by its name, even where a comma would win the sniffing", async () => {
    expect(await specsOf(["a.tsv"])).toEqual([
      {
        clientKey: "t-1",
        name: "Tab, separated",
        description: "x;y",
        source: { file: "a.tsv", line: 2 },
      },
    ]);
  });

  it("JSON Lines: one run per line, blank lines skipped, snake_case keys, lines counted", async () => {
    expect(await specsOf(["b.jsonl", "c.ndjson"])).toEqual([
      { clientKey: "j-1", name: "First", tags: ["x"], source: { file: "b.jsonl", line: 1 } },
      { clientKey: "j-2", metadata: { n: { value: 3 } }, source: { file: "b.jsonl", line: 3 } },
      { clientKey: "n-1", source: { file: "c.ndjson", line: 1 } },
    ]);
  });

  it("JSON Lines: every broken line is located, the others still count", async () => {
    await writeFile(
      join(dir, "broken.jsonl"),
      [
        '{"clientKey": "ok-1"}',
        '{"clientKey": "bad-1",}',
        "[1, 2]",
        '{"clientKey": "bad-2", "isPinned": "maybe"}',
        '{"clientKey": "ok-1"}',
      ].join("\n"),
    );
    const result = await validateManifests(["broken.jsonl"], { cwd: dir });
    expect(result.problems.map(formatProblem)).toEqual([
      "broken.jsonl:2:23 invalid JSON: Expected double-quoted property name",
      "broken.jsonl:3 expected a run (a mapping with clientKey, name, ...), got a list",
      'broken.jsonl:4 isPinned: expected a boolean (true or false), got the string "maybe"',
      'broken.jsonl:5 clientKey: "ok-1" is also defined at broken.jsonl:1',
    ]);
    await rm(join(dir, "broken.jsonl"));
  });

  it("JSON Lines: a repeated key is a problem, and numbers keep the text they were written with", async () => {
    await writeFile(
      join(dir, "exact.jsonl"),
      '{"clientKey": "e-1", "name": "a", "name": "b"}\n{"clientKey": "e-2", "metadata": {"n": 1.50, "m": 2}}\n',
    );
    const result = await validateManifests(["exact.jsonl"], { cwd: dir });
    expect(result.problems.map(formatProblem)).toEqual([
      "exact.jsonl:1 invalid JSON: Map keys must be unique",
    ]);
    await writeFile(
      join(dir, "exact.jsonl"),
      '{"clientKey": "e-2", "metadata": {"n": 1.50, "m": 2}}\n',
    );
    expect((await specsOf(["exact.jsonl"]))[0]?.metadata).toEqual({
      n: { value: 1.5, text: "1.50" },
      m: { value: 2 },
    });
    await rm(join(dir, "exact.jsonl"));
  });

  it("JSON Lines read the same runs as the same objects in a JSON list", async () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    const run = fc.record(
      {
        clientKey: fc.uuid(),
        name: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ""),
        tags: fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 3 }),
        metadata: fc.dictionary(
          key,
          fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string()),
          { maxKeys: 3 },
        ),
      },
      { requiredKeys: ["clientKey"] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(run, { minLength: 1, maxLength: 5 }), async (runs) => {
        await writeFile(join(dir, "p.jsonl"), runs.map((r) => JSON.stringify(r)).join("\n"));
        await writeFile(join(dir, "p.json"), JSON.stringify(runs, null, 1));
        const strip = (specs: RunSpec[]) => specs.map((spec) => ({ ...spec, source: undefined }));
        const lines = await validateManifests(["p.jsonl"], { cwd: dir });
        const list = await validateManifests(["p.json"], { cwd: dir });
        expect(lines.problems.map((p) => p.message)).toEqual(list.problems.map((p) => p.message));
        if (list.problems.length === 0) {
          expect(strip(await specsOf(["p.jsonl"]))).toEqual(strip(await specsOf(["p.json"])));
        }
      }),
      { numRuns: 60 },
    );
    await rm(join(dir, "p.jsonl"));
    await rm(join(dir, "p.json"));
  });

  it("JSON Lines: an empty file is a problem, as an empty JSON file is", async () => {
    await writeFile(join(dir, "empty.jsonl"), "\n\n");
    const result = await validateManifests(["empty.jsonl"], { cwd: dir });
    expect(result.problems.map(formatProblem)).toEqual([
      'empty.jsonl:1 is empty (expected one run per line, e.g. {"clientKey": "k-1"})',
    ]);
    await rm(join(dir, "empty.jsonl"));
  });
});

describe("- reads standard input", () => {
  it("as CSV by default, named <stdin> in messages", async () => {
    const io = { ...captureIo({}, dir), stdin: stdinOf("clientKey;startTime\nk-1;yesterday\n") };
    expect(await main(["validate", "-"], io)).toBe(1);
    expect(io.out()).toBe("<stdin>: 1 run\ninvalid: 1 file, 1 run, 1 error\n");
    expect(io.err()).toContain(
      '<stdin>:2 startTime: "yesterday" is not an RFC 3339 timestamp (expected e.g. 2024-01-31T12:00:00Z)',
    );
  });

  it.each([
    ["yaml", "- clientKey: y-1\n  name: From YAML\n"],
    ["json", '[{"clientKey": "y-1", "name": "From JSON"}]'],
    ["jsonl", '{"clientKey": "y-1", "name": "From JSON Lines"}\n'],
    ["tsv", "clientKey\tname\ny-1\tFrom, TSV\n"],
  ])("as --stdin-format %s, next to files", async (format, text) => {
    const io = { ...captureIo({}, dir), stdin: stdinOf(text) };
    expect(await main(["validate", "-", "a.tsv", "--stdin-format", format], io)).toBe(0);
    expect(io.out()).toBe("<stdin>: 1 run\na.tsv: 1 run\nvalid: 2 files, 2 runs, 0 errors\n");
  });

  it("leaves no copy of standard input behind", async () => {
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith("sift-run-sync-stdin-"));
    const io = { ...captureIo({}, dir), stdin: stdinOf("clientKey\nk-1\n") };
    expect(await main(["validate", "-"], io)).toBe(0);
    const after = (await readdir(tmpdir())).filter((f) => f.startsWith("sift-run-sync-stdin-"));
    expect(after).toEqual(before);
  });

  it("refuses a terminal: nothing is piped in", async () => {
    const io = { ...captureIo({}, dir), stdin: Object.assign(stdinOf(""), { isTTY: true }) };
    expect(await main(["validate", "-"], io)).toBe(1);
    expect(io.err()).toContain(
      "-: reads the manifest from standard input, but nothing is piped in",
    );
  });
});
