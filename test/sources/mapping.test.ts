import { describe, expect, it } from "vitest";
import { oneSource, projectDir, readRuns } from "./support.js";

describe("field mapping: the forms a field can take", () => {
  it("a column name, a {Column} template, a constant, and the long forms", async () => {
    const dir = projectDir({
      "export.csv": "Test ID,Test Name,Stand,Operator\n1001,Hot fire,stand-a,Ana\n",
      "sift-run-sync.yaml": oneSource(
        "export.csv",
        `
fields:
  clientKey: "TS-{Test ID}"
  name: Test Name
  description: { template: "{{draft}} by {Operator} on {Stand}" }
  tags: { value: [teststand, hot-fire] }
  isPinned: { value: true }
  metadata:
    operator: { column: Operator }
    site: { value: Lampoldshausen }
`,
      ),
    });
    expect(await readRuns(dir)).toEqual({
      problems: [],
      specs: [
        {
          clientKey: "TS-1001",
          name: "Hot fire",
          description: "{draft} by Ana on stand-a",
          tags: ["hot-fire", "teststand"],
          isPinned: true,
          metadata: { operator: { value: "Ana" }, site: { value: "Lampoldshausen" } },
        },
      ],
    });
  });

  it("value maps: text → value, default for the rest, null for 'not managed'; else a located error", async () => {
    const dir = projectDir({
      "export.csv": "ID,Result,Pinned\n1,PASS,Y\n2,FAIL,N\n3,SKIP,N/A\n4,MAYBE,Y\n",
      "sift-run-sync.yaml": oneSource(
        "export.csv",
        `
fields:
  clientKey: ID
  isPinned: { column: Pinned, map: { Y: true, N: false, N/A: null } }
  metadata:
    passed: { column: Result, type: boolean, map: { PASS: true, FAIL: false } }
    verdict: { column: Result, map: { PASS: ok, default: not ok } }
`,
      ),
    });
    const { problems } = await readRuns(dir);
    expect(problems).toEqual([
      'export.csv:4 Result (metadata.passed, via sift-run-sync.yaml sources[0]): "SKIP" is not in the map (expected "PASS", "FAIL", or give the map a default)',
      'export.csv:5 Result (metadata.passed, via sift-run-sync.yaml sources[0]): "MAYBE" is not in the map (expected "PASS", "FAIL", or give the map a default)',
    ]);
    const fixed = projectDir({
      "export.csv": "ID,Result,Pinned\n1,PASS,Y\n2,FAIL,N\n3,FAIL,N/A\n",
      "sift-run-sync.yaml": oneSource(
        "export.csv",
        `
fields:
  clientKey: ID
  isPinned: { column: Pinned, map: { Y: true, N: false, N/A: null } }
  metadata:
    passed: { column: Result, type: boolean, map: { PASS: true, FAIL: false } }
    verdict: { column: Result, map: { PASS: ok, default: not ok } }
`,
      ),
    });
    const pass = { passed: { value: true, type: "boolean" }, verdict: { value: "ok" } };
    const fail = { passed: { value: false, type: "boolean" }, verdict: { value: "not ok" } };
    expect((await readRuns(fixed)).specs).toEqual([
      { clientKey: "1", isPinned: true, metadata: pass },
      { clientKey: "2", isPinned: false, metadata: fail },
      { clientKey: "3", metadata: fail },
    ]);
  });

  it("metadata types, decimal commas and list separators", async () => {
    const dir = projectDir({
      "export.csv":
        'ID,Temp,Count,Serial,Ok,Stands\n1,"1.234,5",12,00123,yes,"a, b,,a"\n2,"-0,5",,7,0,\n',
      "sift-run-sync.yaml": oneSource(
        "export.csv",
        `
fields:
  clientKey: ID
  tags: { column: Stands, separator: "," }
  metadata:
    temp_c: { column: Temp, type: number, decimal: "," }
    count: { column: Count, type: number }
    serial: { column: Serial, type: string }
    ok: { column: Ok, type: boolean }
`,
      ),
    });
    expect((await readRuns(dir)).specs).toEqual([
      {
        clientKey: "1",
        tags: ["a", "b"],
        metadata: {
          temp_c: { value: 1234.5, type: "number" },
          count: { value: 12, type: "number" },
          serial: { value: "00123", type: "string" },
          ok: { value: true, type: "boolean" },
        },
      },
      {
        clientKey: "2",
        metadata: {
          temp_c: { value: -0.5, type: "number" },
          serial: { value: "7", type: "string" },
          ok: { value: false, type: "boolean" },
        },
      },
    ]);
  });

  it("nulls: listed cell texts mean 'not managed', like a blank cell, also inside templates", async () => {
    const dir = projectDir({
      "export.csv": "ID,Name,Note\n1,NULL,\\N\n2,Two,N/A\n",
      "sift-run-sync.yaml": oneSource(
        "export.csv",
        `
nulls: ["NULL", "\\\\N", "N/A"]
fields: { clientKey: ID, name: Name, description: "Note: {Note}" }
`,
      ),
    });
    expect((await readRuns(dir)).specs).toEqual([
      { clientKey: "1" },
      { clientKey: "2", name: "Two" },
    ]);
  });

  it("YAML/JSON records: dot paths, records: data.items, and unmapped keys", async () => {
    const lims = {
      data: {
        items: [
          { sample: { id: "S-1", title: "One" }, started_at: "2024-02-01 10:00:00", count: 3 },
          { sample: { id: 2, title: "Two" }, started_at: "2024-07-01T10:00:00Z", count: 4 },
        ],
      },
    };
    const config = (ignore: string) =>
      oneSource(
        "lims/*.json",
        `
records: data.items
timezone: Europe/Berlin
fields: { clientKey: "LIMS-{sample.id}", name: sample.title, startTime: started_at }
${ignore}`,
      );
    const dir = projectDir({
      "lims/export.json": JSON.stringify(lims, null, 2),
      "sift-run-sync.yaml": config(""),
    });
    expect((await readRuns(dir)).problems).toEqual([
      "lims/export.json:10 count: is not mapped by sift-run-sync.yaml sources[0] (map it under fields, or list it in ignoreColumns)",
    ]);
    const ok = projectDir({
      "lims/export.json": JSON.stringify(lims, null, 2),
      "lims/more.yaml": "data:\n  items:\n    - sample: { id: S-3, title: Three }\n",
      "sift-run-sync.yaml": config("ignoreColumns: [count]"),
    });
    expect((await readRuns(ok)).specs).toEqual([
      { clientKey: "LIMS-S-1", name: "One", startTime: "2024-02-01T09:00:00Z" },
      { clientKey: "LIMS-2", name: "Two", startTime: "2024-07-01T10:00:00Z" },
    ]);
  });

  it("a source without fields reads our own columns; the config's defaults fill what runs leave out", async () => {
    const dir = projectDir({
      "runs/a.csv": "clientKey,name,tags\ntv-1,One,\ntv-2,Two,x\n",
      "runs/b.yaml": "- clientKey: tv-3\n  metadata: { campaign: c1 }\n",
      "sift-run-sync.yaml":
        "version: 1\nsources:\n  - path: runs\ndefaults: { tags: [nightly], metadata: { site: L } }\n",
    });
    expect((await readRuns(dir)).specs).toEqual([
      { clientKey: "tv-1", name: "One", tags: ["nightly"], metadata: { site: { value: "L" } } },
      { clientKey: "tv-2", name: "Two", tags: ["x"], metadata: { site: { value: "L" } } },
      {
        clientKey: "tv-3",
        tags: ["nightly"],
        metadata: { site: { value: "L" }, campaign: { value: "c1" } },
      },
    ]);
  });
});

describe("problems name the file, line, column and the config entry", () => {
  const config = oneSource(
    "teststand.csv",
    `
timezone: Europe/Berlin
timeFormat: "dd.MM.yyyy HH:mm"
fields: { clientKey: "TS-{Test ID}", startTime: Start, stopTime: End }
`,
  );

  it("a bad cell, a stop before its start, a blank key, a duplicate key", async () => {
    const rows = [
      "Test ID,Start,End",
      "1,31.01.2024 09:00,31.01.2024 10:00",
      "2,31.02.2024 09:00,",
      "3,31.01.2024 09:00,31.01.2024 08:00",
      ",31.01.2024 09:00,",
      "1,31.01.2024 09:00,",
    ];
    const dir = projectDir({ "teststand.csv": rows.join("\n"), "sift-run-sync.yaml": config });
    expect((await readRuns(dir)).problems).toEqual([
      'teststand.csv:3 Start (startTime, via sift-run-sync.yaml sources[0]): "31.02.2024 09:00" has no day 31 in that month',
      'teststand.csv:4 End (stopTime, via sift-run-sync.yaml sources[0]): End "31.01.2024 08:00" (+01:00) is not after Start "31.01.2024 09:00" (+01:00): 2024-01-31T07:00:00Z vs 2024-01-31T08:00:00Z in UTC (expected startTime < stopTime)',
      'teststand.csv:5 "TS-{Test ID}" (clientKey, via sift-run-sync.yaml sources[0]): is empty (every run needs a clientKey)',
      'teststand.csv:6 clientKey: "TS-1" is also defined at teststand.csv:2',
    ]);
  });

  it("a column the mapping names but the file lacks, and a column no field reads", async () => {
    const dir = projectDir({
      "teststand.csv": "Test ID,Begin,End,Comment\n1,31.01.2024 09:00,,x\n",
      "sift-run-sync.yaml": config,
    });
    expect((await readRuns(dir)).problems).toEqual([
      "teststand.csv:1 Start (startTime, via sift-run-sync.yaml sources[0]): is not a column of this file",
      "teststand.csv:1 Begin: is not mapped by sift-run-sync.yaml sources[0] (map it under fields, or list it in ignoreColumns)",
      "teststand.csv:1 Comment: is not mapped by sift-run-sync.yaml sources[0] (map it under fields, or list it in ignoreColumns)",
    ]);
    const near = projectDir({
      "teststand.csv": "Test ID,Starts,End,Description\n",
      "sift-run-sync.yaml": config,
    });
    expect((await readRuns(near)).problems).toEqual([
      'teststand.csv:1 Start (startTime, via sift-run-sync.yaml sources[0]): is not a column of this file (did you mean "Starts"?)',
      'teststand.csv:1 Starts: is not mapped by sift-run-sync.yaml sources[0], which names "Start" instead: a typo? (or list it in ignoreColumns)',
      'teststand.csv:1 Description: is not mapped by sift-run-sync.yaml sources[0] (did you mean to map it as description: "Description"? or list it in ignoreColumns)',
    ]);
  });

  it("skipLines: a preamble before the header; lines keep their numbers in the file", async () => {
    const dir = projectDir({
      "teststand.csv": "Export of 2024-04-02\n\nTest ID,Start,End\n7,31.02.2024 09:00,\n",
      "sift-run-sync.yaml": config.replace("timezone:", "csv: { skipLines: 2 }\n    timezone:"),
    });
    expect((await readRuns(dir)).problems).toEqual([
      'teststand.csv:4 Start (startTime, via sift-run-sync.yaml sources[0]): "31.02.2024 09:00" has no day 31 in that month',
    ]);
  });
});
