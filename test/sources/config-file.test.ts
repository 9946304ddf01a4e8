import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../helpers/io.js";
import { projectDir, validate } from "./support.js";

const EXPORT = "Test ID,Test Name\n1001,Hot fire\n";
const CONFIG = `version: 1
sources:
  - path: exports/teststand.csv
    fields: { clientKey: "TS-{Test ID}", name: Test Name }
`;

describe("which config a command reads", () => {
  it("./sift-run-sync.yaml when given neither paths nor --config", async () => {
    const dir = projectDir({ "exports/teststand.csv": EXPORT, "sift-run-sync.yaml": CONFIG });
    expect(await validate(dir)).toEqual({
      code: 0,
      stdout: "exports/teststand.csv: 1 run\nvalid: 1 file, 1 run, 0 errors\n",
      problems: [],
    });
  });

  it("--config FILE, with its paths relative to the config's own directory", async () => {
    const dir = projectDir({
      "sync/exports/teststand.csv": EXPORT,
      "sync/mapping.yaml": CONFIG,
    });
    const result = await validate(dir, ["--config", "sync/mapping.yaml"]);
    expect(result.stdout).toBe(
      "sync/exports/teststand.csv: 1 run\nvalid: 1 file, 1 run, 0 errors\n",
    );
  });

  it("paths and --config together are a usage error, as is --config with --plan", async () => {
    const dir = projectDir({ "exports/teststand.csv": EXPORT, "sift-run-sync.yaml": CONFIG });
    const both = await validate(dir, ["exports", "--config", "sift-run-sync.yaml"]);
    expect(both).toMatchObject({
      code: 1,
      problems: ["error: give either manifest paths or --config FILE, not both"],
    });
    const io = captureIo({}, dir);
    expect(await main(["apply", "--plan", "p.json", "--config", "sift-run-sync.yaml"], io)).toBe(1);
    expect(io.err()).toBe("error: give either --config FILE or --plan FILE, not both\n");
    const missing = await validate(dir, ["--config", "nope.yaml"]);
    expect(missing.problems).toEqual(["error: nope.yaml: no such file"]);
  });

  it("paths given on the command line are read as manifests even beside a sift-run-sync.yaml", async () => {
    const dir = projectDir({
      "runs.csv": "clientKey,name\ntv-1,One\n",
      "sift-run-sync.yaml": "not: a config\n",
    });
    expect((await validate(dir, ["runs.csv"])).code).toBe(0);
  });

  it("a directory or a glob; a source that matches nothing is an error of the config", async () => {
    const dir = projectDir({
      "exports/a.csv": EXPORT,
      "exports/b.csv": "Test ID,Test Name\n1002,Two\n",
      "exports/.hidden.csv": "junk",
      "exports/notes.md": "not an export",
      "sift-run-sync.yaml": `version: 1
sources:
  - path: exports/
    fields: { clientKey: "TS-{Test ID}", name: Test Name }
  - path: "exports/*.csv"
    fields: { clientKey: "X-{Test ID}", name: Test Name }
  - path: "lims/*.json"
    fields: { clientKey: id }
`,
    });
    expect((await validate(dir)).problems).toEqual([
      'sift-run-sync.yaml:7 sources[2].path: "lims/*.json" matches no file (expected .csv, .tsv, .txt, .yaml, .yml, .json, .jsonl or .ndjson)',
      "error: 1 problem in the manifests; nothing was written",
    ]);
  });
});

describe("problems in the config itself are located", () => {
  it("names the line and the key, and suggests the key meant", async () => {
    const dir = projectDir({
      "x.csv": EXPORT,
      "sift-run-sync.yaml": `version: 2
source: []
sources:
  - path: x.csv
    fields:
      startime: b
      metadata:
        n: { column: b, typ: number }
options: { ignore: [startTimes], concurrency: 0 }
`,
    });
    expect((await validate(dir)).problems).toEqual([
      "sift-run-sync.yaml:1 version: is the number 2 (expected 1)",
      'sift-run-sync.yaml:2 source: unknown key (did you mean "sources"?)',
      'sift-run-sync.yaml:6 sources[0].fields.startime: unknown key (did you mean "startTime"?)',
      'sift-run-sync.yaml:8 sources[0].fields.metadata.n.typ: unknown key (did you mean "type"?)',
      'sift-run-sync.yaml:9 options.ignore[0]: is the string "startTimes" (expected one of name, description, startTime, stopTime, assets, tags, isPinned, isArchived, metadata)',
      "sift-run-sync.yaml:9 options.concurrency: is the number 0 (expected > 0)",
      "error: 6 problems in the manifests; nothing was written",
    ]);
  });

  it("then what zod cannot see: patterns, zones, templates, forms, modifiers, defaults", async () => {
    const dir = projectDir({
      "x.csv": EXPORT,
      "sift-run-sync.yaml": `version: 1
sources:
  - path: x.csv
    timezone: Europe/Berln
    timeFormat: "dd.MM.yyy HH:mm"
    fields:
      clientKey: "TS-{a"
      name: { column: a, value: x }
      description: { column: a, type: number }
      tags: { column: a, timeFormat: iso }
  - path: x.csv
    timeFormat: ["iso", "dd.MM.yyyy HH:mm"]
    fields: { clientKey: a, startTime: b, isPinned: { value: maybe } }
defaults: { isPinned: "yes" }
`,
    });
    expect((await validate(dir)).problems).toEqual([
      'sift-run-sync.yaml:4 sources[0].timezone: unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?)',
      'sift-run-sync.yaml:5 sources[0].timeFormat: "dd.MM.yyy HH:mm" has an unknown symbol "yyy" (expected yyyy yy MM M dd d HH H hh h mm m ss s a S…SSSSSSSSS XXX, other letters in \'quotes\')',
      'sift-run-sync.yaml:7 sources[0].fields.clientKey: template "TS-{a" has a "{" at character 4 that is never closed (write {{ for a brace)',
      "sift-run-sync.yaml:8 sources[0].fields.name: has column and value: expected exactly one of column, template or value",
      "sift-run-sync.yaml:9 sources[0].fields.description.type: is only for metadata values (run fields have their own types)",
      "sift-run-sync.yaml:10 sources[0].fields.tags.timeFormat: is only for startTime and stopTime",
      'sift-run-sync.yaml:12 sources[1].timeFormat[1]: "dd.MM.yyyy HH:mm" has no offset (XXX), so the times need a timezone (e.g. timezone: Europe/Berlin on the source)',
      'sift-run-sync.yaml:13 sources[1].fields.isPinned.value: "maybe" is not a boolean (expected true, false, yes, no, 1 or 0)',
      'sift-run-sync.yaml:14 defaults.isPinned: expected a boolean (true or false), got the string "yes"',
      "error: 9 problems in the manifests; nothing was written",
    ]);
  });

  it("a manifest given as a config, and a YAML null where text belongs, say what was meant", async () => {
    const manifest = projectDir({ "sift-run-sync.yaml": "- clientKey: a\n  name: b\n" });
    expect((await validate(manifest)).problems[0]).toBe(
      "sift-run-sync.yaml:1 expected a sync config (a mapping with version: 1 and sources), got a list",
    );
    const nulls = projectDir({
      "x.csv": EXPORT,
      "sift-run-sync.yaml": "version: 1\nsources:\n  - path: x.csv\n    nulls: [NULL]\n",
    });
    expect((await validate(nulls)).problems[0]).toBe(
      'sift-run-sync.yaml:4 sources[0].nulls[0]: is empty: YAML reads NULL, null, ~ and nothing at all as "no value" (expected a text; quote text such as "NULL")',
    );
  });

  it("invalid YAML says where", async () => {
    const dir = projectDir({ "sift-run-sync.yaml": "version: 1\nsources: [\n" });
    const { problems } = await validate(dir);
    expect(problems[0]).toMatch(/^sift-run-sync\.yaml:\d+ invalid YAML: /);
  });
});

describe("validate --show N", () => {
  it("prints the first N runs as read, as a YAML manifest; the summary follows as comments", async () => {
    const dir = projectDir({
      "exports/teststand.csv": [
        "Test ID,Start,Result,Serial",
        "1001,31.01.2024 09:00:00.123456789,PASS,00123",
        "1002,31.02.2024 09:00:00.0,FAIL,7",
        "1003,01.02.2024 09:00:00.5,FAIL,8",
        "1004,01.02.2024 09:00:00.5,FAIL,9",
      ].join("\n"),
      "sift-run-sync.yaml": `version: 1
sources:
  - path: exports/teststand.csv
    timezone: Europe/Berlin
    timeFormat: "dd.MM.yyyy HH:mm:ss.SSSSSSSSS"
    fields:
      clientKey: "TS-{Test ID}"
      startTime: { column: Start, timeFormat: ["dd.MM.yyyy HH:mm:ss.SSSSSSSSS", "dd.MM.yyyy HH:mm:ss.S"] }
      metadata:
        passed: { column: Result, type: boolean, map: { PASS: true, FAIL: false } }
        serial: { column: Serial, type: string }
`,
    });
    const result = await validate(dir, ["--show", "2"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatchInlineSnapshot(`
      "# exports/teststand.csv:2
      - clientKey: TS-1001
        startTime: 2024-01-31T08:00:00.123456789Z
        metadata:
          passed: true
          serial: "00123"
      # exports/teststand.csv:4
      - clientKey: TS-1003
        startTime: 2024-02-01T08:00:00.500Z
        metadata:
          passed: false
          serial: "8"
      # exports/teststand.csv: 4 runs
      # invalid: 1 file, 4 runs, 1 error
      "
    `);
    expect(result.problems[0]).toBe(
      'exports/teststand.csv:3 Start (startTime, via sift-run-sync.yaml sources[0]): "31.02.2024 09:00:00.0" has no day 31 in that month',
    );
  });

  it("works for manifest paths too", async () => {
    const dir = projectDir({ "runs.csv": "clientKey,name\ntv-1,One\ntv-2,Two\n" });
    const result = await validate(dir, ["runs.csv", "--show", "1"]);
    expect(result.stdout).toBe(
      "# runs.csv:2\n- clientKey: tv-1\n  name: One\n# runs.csv: 2 runs\n# valid: 1 file, 2 runs, 0 errors\n",
    );
  });
});
