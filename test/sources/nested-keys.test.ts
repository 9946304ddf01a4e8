import { describe, expect, it } from "vitest";
import { runCli, SEED, useEmulator } from "../e2e/harness.js";
import { callApi, uuidFor } from "../helpers/emulator.js";
import { oneSource, projectDir, readRuns, validate as validateIn } from "./support.js";

/** `validate` in `dir`: its exit code and the problems it printed (not the closing count). */
async function validate(dir: string) {
  const { code, problems } = await validateIn(dir);
  return { code, problems: problems.filter((line) => !line.startsWith("error: ")) };
}

/** A LIMS export as its API writes it (2-space JSON), before and after it renamed a key. */
function limsExport(results: (i: number) => Record<string, unknown>): string {
  const items = [1, 2].map((i) => ({
    sample: { id: `S-${i}`, title: `Sample ${i}` },
    started_at: "2024-03-28T10:15:00Z",
    results: results(i),
  }));
  return JSON.stringify({ data: { items } }, null, 2) + "\n";
}

const CONFIG = oneSource(
  "lims.json",
  `
records: data.items
fields:
  clientKey: "LIMS-{sample.id}"
  name: sample.title
  startTime: started_at
  metadata:
    passed: { column: results.passed, type: boolean }
    density: { column: results.density, type: number }
`,
);

describe("nested keys of YAML/JSON records cannot vanish", () => {
  it("a mapped dot path no record holds is an error for the file, naming what the records hold", async () => {
    const dir = projectDir({
      "lims.json": limsExport((i) => ({ pass: i === 1, density: 1.25 })),
      "sift-run-sync.yaml": CONFIG,
    });
    const { code, problems } = await validate(dir);
    expect(code).toBe(1);
    expect(problems).toEqual([
      'lims.json:4 results.passed (metadata.passed, via sift-run-sync.yaml sources[0]): is in no record of lims.json; records have "results.pass"',
      'lims.json:11:11 results.pass: is not mapped by sift-run-sync.yaml sources[0], which names "results.passed" instead: a typo? (or list it in ignoreColumns)',
    ]);
  });

  it("a path missing from some records only is not managed for those", async () => {
    const dir = projectDir({
      "lims.json": limsExport((i) => (i === 1 ? { passed: true, density: 1.25 } : { density: 2 })),
      "sift-run-sync.yaml": CONFIG,
    });
    const { specs, problems } = await readRuns(dir);
    expect(problems).toEqual([]);
    expect(specs.map((s) => s.metadata)).toEqual([
      { passed: { value: true, type: "boolean" }, density: { value: 1.25, type: "number" } },
      { density: { value: 2, type: "number" } },
    ]);
  });

  it("an unmapped key under a mapped object is an error at its first record; ignoreColumns takes dot paths", async () => {
    const lims = limsExport((i) => ({ passed: true, density: 1.5, operator: `op-${i}` }));
    const dir = projectDir({ "lims.json": lims, "sift-run-sync.yaml": CONFIG });
    expect((await validate(dir)).problems).toEqual([
      "lims.json:13:11 results.operator: is not mapped by sift-run-sync.yaml sources[0] (map it under fields, or list it in ignoreColumns)",
    ]);
    const ignored = projectDir({
      "lims.json": lims,
      "sift-run-sync.yaml": `${CONFIG}    ignoreColumns: [results.operator]\n`,
    });
    const read = await readRuns(ignored);
    expect(read.problems).toEqual([]);
    expect(read.specs).toHaveLength(2);
  });

  it("JSON Lines and YAML records: the same rules, located at the record's line", async () => {
    const jsonl = oneSource(
      "lims.jsonl",
      `
fields:
  clientKey: id
  metadata: { passed: { column: results.passed, type: boolean } }
`,
    );
    const lines = [
      '{"id":"a-1","results":{"pass":true}}',
      '{"id":"a-2","results":{"pass":false,"n":2}}',
    ];
    const dir = projectDir({ "lims.jsonl": lines.join("\n") + "\n", "sift-run-sync.yaml": jsonl });
    expect((await validate(dir)).problems).toEqual([
      'lims.jsonl:1 results.passed (metadata.passed, via sift-run-sync.yaml sources[0]): is in no record of lims.jsonl; records have "results.pass"',
      'lims.jsonl:1 results.pass: is not mapped by sift-run-sync.yaml sources[0], which names "results.passed" instead: a typo? (or list it in ignoreColumns)',
      "lims.jsonl:2 results.n: is not mapped by sift-run-sync.yaml sources[0] (map it under fields, or list it in ignoreColumns)",
    ]);
    const yaml = projectDir({
      "lims.yaml": "- id: b-1\n  outcome:\n    passed: true\n",
      "sift-run-sync.yaml": jsonl.replace("lims.jsonl", "lims.yaml"),
    });
    expect((await validate(yaml)).problems).toEqual([
      'lims.yaml:1 results.passed (metadata.passed, via sift-run-sync.yaml sources[0]): is in no record of lims.yaml; no record has "results"',
      "lims.yaml:2:3 outcome: is not mapped by sift-run-sync.yaml sources[0] (map it under fields, or list it in ignoreColumns)",
    ]);
  });
});

describe("a LIMS that renamed a nested key, planned against Sift", () => {
  const emulator = useEmulator({
    seed: {
      ...SEED,
      runs: [
        {
          runId: uuidFor("run-lims-1"),
          clientKey: "LIMS-S-1",
          name: "Sample 1",
          metadata: { passed: true },
        },
      ],
    },
  });

  it("plan and apply --metadata replace stop before anything is written: the value is not dropped", async () => {
    const dir = projectDir({
      "lims.json": limsExport((i) => ({ pass: i === 1, density: 1.25 })),
      "sift-run-sync.yaml": CONFIG,
    });
    const planned = await runCli(emulator(), ["plan", "--metadata", "replace"], dir);
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain(
      'results.passed (metadata.passed, via sift-run-sync.yaml sources[0]): is in no record of lims.json; records have "results.pass"',
    );
    const applied = await runCli(emulator(), ["apply", "--metadata", "replace"], dir);
    expect(applied.code).toBe(1);
    const runs = await callApi(emulator(), "GET", "/api/v2/runs");
    expect(runs.body.runs).toHaveLength(1);
    expect(runs.body.runs[0].metadata).toEqual([
      expect.objectContaining({
        key: expect.objectContaining({ name: "passed" }),
        booleanValue: true,
      }),
    ]);
  });
});
