import { describe, expect, it } from "vitest";
import { oneSource, projectDir, readRuns, validate } from "./support.js";

const LINES = [
  '{"clientKey": "de-1", "name": "Prüfstand Müller", "description": "€ 5 – “hot”"}',
  '{"clientKey": "de-2", "name": "Straße"}',
].join("\n");
const READ = [
  { clientKey: "de-1", name: "Prüfstand Müller", description: "€ 5 – “hot”" },
  { clientKey: "de-2", name: "Straße" },
];

/** The bytes of `text` in Windows-1252 (Buffer's latin1 lacks € – “ ”). */
function windows1252(text: string): Buffer {
  const high: Record<string, number> = { "€": 0x80, "–": 0x96, "“": 0x93, "”": 0x94 };
  return Buffer.from(Array.from(text, (c) => high[c] ?? c.charCodeAt(0)));
}

function utf16(text: string, order: "le" | "be"): Buffer {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
  return order === "le" ? le : Buffer.from(le).swap16();
}

describe("JSON Lines in other encodings", () => {
  it("--encoding names the encoding of JSON Lines files, as of CSV files", async () => {
    const dir = projectDir({ "runs.jsonl": windows1252(LINES + "\n") });
    const plain = await validate(dir, ["runs.jsonl"]);
    expect(plain.code).toBe(1);
    expect(plain.problems[0]).toMatch(/^runs\.jsonl:1:\d+ invalid UTF-8 byte 0xFC/);
    const named = await validate(dir, ["runs.jsonl", "--encoding", "windows-1252"]);
    expect(named).toMatchObject({ code: 0, problems: [] });
    expect(named.stdout).toContain("runs.jsonl: 2 runs");
  });

  it("a UTF-16 byte-order mark is recognised by itself, LE and BE, also from a source", async () => {
    const dir = projectDir({
      "in/a-le.jsonl": utf16(LINES.split("\n")[0]!, "le"),
      "in/b-be.ndjson": utf16(LINES.split("\n")[1]!, "be"),
      "sift-run-sync.yaml": oneSource("in/", "nulls: []"),
    });
    expect(await readRuns(dir)).toEqual({ problems: [], specs: READ });
  });

  it("encoding: on a source reads its JSON Lines, mapped or not, and its CSV files", async () => {
    const dir = projectDir({
      "ours/runs.jsonl": windows1252(LINES),
      "ours/more.csv": windows1252("clientKey,name\nde-3,Größe €\n"),
      "lims/export.ndjson": windows1252('{"id": 7, "title": "Kühlung – “B”"}\n'),
      "sift-run-sync.yaml": `version: 1
sources:
  - path: ours/
    encoding: windows-1252
  - path: lims/export.ndjson
    encoding: cp1252
    fields: { clientKey: "LIMS-{id}", name: title }
`,
    });
    expect(await readRuns(dir)).toEqual({
      problems: [],
      specs: [
        { clientKey: "de-3", name: "Größe €" },
        ...READ,
        { clientKey: "LIMS-7", name: "Kühlung – “B”" },
      ],
    });
  });

  it("csv.encoding is for CSV files: the source's JSON Lines stay UTF-8", async () => {
    const dir = projectDir({
      "in/a.csv": windows1252("clientKey,name\nk-1,Größe\n"),
      "in/b.jsonl": Buffer.from('{"clientKey": "k-2", "name": "Größe"}\n', "utf8"),
      "sift-run-sync.yaml": oneSource("in/", "csv: { encoding: windows-1252 }"),
    });
    expect((await readRuns(dir)).specs).toEqual([
      { clientKey: "k-1", name: "Größe" },
      { clientKey: "k-2", name: "Größe" },
    ]);
  });

  it("a decoding error is located at its line and column; an unknown encoding at its config line", async () => {
    // A lone high surrogate in line 2's name, after `{"clientKey": "k-2", "name": "`.
    const head = Buffer.from('{"clientKey": "k-1"}\n{"clientKey": "k-2", "name": "', "utf16le");
    const tail = Buffer.from('x"}\n', "utf16le");
    const dir = projectDir({
      "runs.jsonl": Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        head,
        Buffer.from([0x00, 0xd8]),
        tail,
      ]),
      "bad.yaml": oneSource("runs.jsonl", "encoding: klingon"),
    });
    const located = await validate(dir, ["runs.jsonl"]);
    expect(located.problems[0]).toBe(
      "runs.jsonl:2:31 invalid utf-16le text (expected utf-16le: is the file in another encoding? name it with --encoding, or encoding: in the config's source)",
    );
    const config = await validate(dir, ["--config", "bad.yaml"]);
    expect(config.problems[0]).toMatch(
      /^bad\.yaml:4 sources\[0\]\.encoding: unknown encoding "klingon"/,
    );
  });
});
