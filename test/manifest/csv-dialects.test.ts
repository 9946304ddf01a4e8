import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { formatProblem } from "../../src/core/errors.js";
import {
  type CsvDialect,
  type CsvTableItem,
  DEFAULT_CSV_DIALECT,
  readCsvDialect,
  readCsvTable,
  type RunSpec,
  readRunSpecs,
  validateManifests,
} from "../../src/manifest/index.js";
import { captureIo } from "../helpers/io.js";

const DIALECTS = fileURLToPath(new URL("../../fixtures/manifests/dialects/", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "csv-dialects-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function dialect(input: Parameters<typeof readCsvDialect>[0]): CsvDialect {
  const read = readCsvDialect(input);
  if (!read.ok) throw new Error(read.message);
  return read.dialect;
}

async function specsOf(file: string, csv?: CsvDialect, cwd = DIALECTS): Promise<RunSpec[]> {
  const specs: RunSpec[] = [];
  for await (const spec of readRunSpecs([file], { cwd, csv })) specs.push(spec);
  return specs;
}

async function problemsOf(file: string, csv?: CsvDialect, cwd = dir): Promise<string[]> {
  const result = await validateManifests([file], { cwd, csv });
  return result.problems.map(formatProblem);
}

describe("the CSV dialect option", () => {
  it("defaults to a sniffed delimiter, UTF-8 and no skipped lines", () => {
    expect(readCsvDialect({})).toEqual({ ok: true, dialect: DEFAULT_CSV_DIALECT });
    expect(DEFAULT_CSV_DIALECT).toEqual({ delimiter: "auto", encoding: "utf-8", skipLines: 0 });
  });

  it("takes delimiters by character or name, and encodings by any platform label", () => {
    expect(dialect({ delimiter: "tab" }).delimiter).toBe("\t");
    expect(dialect({ delimiter: "\\t" }).delimiter).toBe("\t");
    expect(dialect({ delimiter: "Semicolon" }).delimiter).toBe(";");
    expect(dialect({ delimiter: "|" }).delimiter).toBe("|");
    expect(dialect({ encoding: "latin1" }).encoding).toBe("windows-1252");
    expect(dialect({ encoding: "UTF-16LE" }).encoding).toBe("utf-16le");
  });

  it("refuses what it cannot read, naming the field", () => {
    expect(readCsvDialect({ delimiter: ":" })).toEqual({
      ok: false,
      field: "delimiter",
      message: 'unknown delimiter ":" (expected auto, ",", ";", tab or "|")',
    });
    expect(readCsvDialect({ encoding: "klingon" })).toMatchObject({ ok: false, field: "encoding" });
    expect(readCsvDialect({ skipLines: -1 })).toMatchObject({ ok: false, field: "skipLines" });
  });
});

describe("delimiters", () => {
  it("sniffs a tab-separated header", async () => {
    expect(await specsOf("tab-separated.csv")).toEqual([
      { clientKey: "tsv-001", name: "Tabs", source: { file: "tab-separated.csv", line: 2 } },
    ]);
  });

  it("reads a ;-separated Windows-1252 export when told its encoding", async () => {
    const specs = await specsOf(
      "semicolon-windows-1252.csv",
      dialect({ encoding: "windows-1252" }),
    );
    expect(
      specs.map(({ clientKey, name, description, metadata }) => ({
        clientKey,
        name,
        description,
        metadata,
      })),
    ).toEqual([
      {
        clientKey: "de-001",
        name: "Prüfstand Müller",
        description: "Temperatur 21 °C",
        metadata: { chamber: { value: "Kammer ä", type: "string" } },
      },
      { clientKey: "de-002", name: "Straße", description: "€ price", metadata: undefined },
    ]);
  });

  it("says why a ;-separated file read with --delimiter , has one giant column", async () => {
    await writeFile(join(dir, "semi.csv"), "clientKey;name;startTime\nk-1;a;\n");
    expect(await problemsOf("semi.csv", dialect({ delimiter: "," }))).toEqual([
      'semi.csv:1 header: read with "," as the delimiter, the header has a single column, but it looks ";"-separated (leave --delimiter at auto, or give --delimiter ";")',
    ]);
  });

  it("uses a given delimiter even where another one is more frequent", async () => {
    await writeFile(join(dir, "given.csv"), "clientKey|name\nk-1|a;b;c\n");
    const specs = await specsOf("given.csv", dialect({ delimiter: "|" }), dir);
    expect(specs[0]).toMatchObject({ clientKey: "k-1", name: "a;b;c" });
  });
});

describe("encodings", () => {
  it("recognises a UTF-16 LE byte-order mark by itself", async () => {
    const specs = await specsOf("utf16le-bom.csv");
    expect(specs).toEqual([
      {
        clientKey: "u16-001",
        name: "Ünïcødé 测试",
        tags: ["x", "y"],
        source: { file: "utf16le-bom.csv", line: 2 },
      },
    ]);
  });

  it("recognises a UTF-16 BE byte-order mark even when another encoding is named", async () => {
    const body = Buffer.from("clientKey,name\nbe-1,Größe\n", "utf16le").swap16();
    await writeFile(join(dir, "be.csv"), Buffer.concat([Buffer.from([0xfe, 0xff]), body]));
    const specs = await specsOf("be.csv", dialect({ encoding: "windows-1252" }), dir);
    expect(specs).toMatchObject([{ clientKey: "be-1", name: "Größe" }]);
  });

  it("locates a decoding error in a named encoding (file:line:column)", async () => {
    const rows = ["clientKey,name", ...Array.from({ length: 5000 }, (_, i) => `k-${i},n`)];
    const text = Buffer.from(rows.join("\n") + "\n", "utf16le");
    // A lone high surrogate in the name of row 4,001 (line 4,002), after "k-4000,".
    const at = Buffer.from(rows.slice(0, 4001).join("\n") + "\nk-4000,", "utf16le").length;
    const broken = Buffer.concat([
      text.subarray(0, at),
      Buffer.from([0x00, 0xd8]),
      text.subarray(at),
    ]);
    await writeFile(join(dir, "lone.csv"), broken);
    expect(await problemsOf("lone.csv", dialect({ encoding: "utf-16le" }))).toEqual([
      "lone.csv:4002:8 invalid utf-16le text (expected utf-16le: is the file in another encoding? name it with --encoding, or encoding: in the config's source)",
    ]);
  });

  it("still names the byte of a UTF-8 fault", async () => {
    await writeFile(
      join(dir, "bad8.csv"),
      Buffer.concat([Buffer.from("clientKey,name\nk-1,caf"), Buffer.from([0xe9, 0x0a])]),
    );
    expect(await problemsOf("bad8.csv")).toEqual([
      "bad8.csv:2:8 invalid UTF-8 byte 0xE9 (expected UTF-8 text: save the file as UTF-8)",
    ]);
  });
});

describe("quotes", () => {
  it('keeps a quote inside an unquoted cell as text (12" pipe), as Excel reads it', async () => {
    expect((await specsOf("quote-in-unquoted-cell.csv")).map((s) => s.description)).toEqual([
      'a 5" display',
      "fine",
    ]);
  });

  it("still reads quoted cells with delimiters and line breaks next to a stray quote", async () => {
    await writeFile(
      join(dir, "mixed.csv"),
      'clientKey;name;description\nk-1;12" pipe;"a; b\nsecond line"\nk-2;x;"say ""hi"""\n',
    );
    const specs = await specsOf("mixed.csv", undefined, dir);
    expect(specs.map(({ name, description, source }) => [name, description, source.line])).toEqual([
      ['12" pipe', "a; b\nsecond line", 2],
      ["x", 'say "hi"', 4],
    ]);
  });
});

describe("spreadsheet leftovers", () => {
  it("ignores trailing unnamed columns whose cells are blank (Excel's ,,,)", async () => {
    expect(await specsOf("pipe-excel-trailing.csv")).toEqual([
      {
        clientKey: "ep-001",
        name: "Pipe run",
        source: { file: "pipe-excel-trailing.csv", line: 2 },
      },
      { clientKey: "ep-002", name: "Second", source: { file: "pipe-excel-trailing.csv", line: 3 } },
    ]);
  });

  it("refuses a filled cell under an unnamed column, at its row", async () => {
    await writeFile(join(dir, "filled.csv"), "clientKey,name,,\nk-1,a,,\nk-2,b,,oops\n");
    expect(await problemsOf("filled.csv")).toEqual([
      'filled.csv:3 cell 4 holds "oops" but its column has no name in the header (name the column, or clear the cell)',
    ]);
  });

  it("still refuses an unnamed column between named ones", async () => {
    await writeFile(join(dir, "gap.csv"), "clientKey,,name\nk-1,,a\n");
    expect(await problemsOf("gap.csv")).toEqual(["gap.csv:1 header: column 2 has no name"]);
  });
});

describe("our own header names", () => {
  it("match ignoring case, spaces, _ and -", async () => {
    await writeFile(
      join(dir, "loose.csv"),
      "Client Key,NAME,start_time,Stop-Time,IS_PINNED,Metadata.Altitude:Number\n" +
        "k-1,a,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,yes,12\n",
    );
    expect(await specsOf("loose.csv", undefined, dir)).toEqual([
      {
        clientKey: "k-1",
        name: "a",
        startTime: "2024-01-01T00:00:00Z",
        stopTime: "2024-01-01T01:00:00Z",
        isPinned: true,
        metadata: { Altitude: { value: 12, type: "number" } },
        source: { file: "loose.csv", line: 2 },
      },
    ]);
  });

  it("suggest our name for another tool's (Start → startTime) and for near misses", async () => {
    await writeFile(join(dir, "foreign.csv"), "clientKey,Start,End,Title,tgas\nk-1,,,,\n");
    expect(await problemsOf("foreign.csv")).toEqual([
      'foreign.csv:1 header: unknown column "Start" (did you mean "startTime"?)',
      'foreign.csv:1 header: unknown column "End" (did you mean "stopTime"?)',
      'foreign.csv:1 header: unknown column "Title" (did you mean "name"?)',
      'foreign.csv:1 header: unknown column "tgas" (did you mean "tags"?)',
    ]);
  });
});

describe("a , in a ;-separated list", () => {
  it("is read as written, with a located warning", async () => {
    await writeFile(
      join(dir, "lists.csv"),
      "clientKey;tags;assets;startTime;stopTime\n" +
        "k-1;nightly,hot;stand-a;2024-01-01T00:00:00Z;2024-01-01T01:00:00Z\n" +
        'k-2;a;"rig,7;stand-b";2024-01-01T00:00:00Z;2024-01-01T01:00:00Z\n' +
        "k-3;a;b;2024-01-01T00:00:00Z;2024-01-01T01:00:00Z\n",
    );
    const result = await validateManifests(["lists.csv"], { cwd: dir });
    expect(result.problems).toEqual([]);
    expect(result.warnings.map(formatProblem)).toEqual([
      'lists.csv:2 tags: "nightly,hot" holds "," but list items are separated by ";": read as one tag ("nightly,hot"); write "nightly;hot" for separate tags (in quotes where ";" is also the file\'s delimiter)',
      'lists.csv:3 assets: "rig,7;stand-b" holds "," but list items are separated by ";": read as 2 assets ("rig,7", "stand-b"); write "rig;7;stand-b" for separate assets (in quotes where ";" is also the file\'s delimiter)',
    ]);
    expect(result.totalWarnings).toBe(2);
    const specs = await specsOf("lists.csv", undefined, dir);
    expect(specs[0]?.tags).toEqual(["nightly,hot"]);
  });

  it("is shown by validate on stderr, counted in the summary, exit 0", async () => {
    await writeFile(join(dir, "warn.csv"), 'clientKey,tags\nk-1,"a,b"\n');
    const io = captureIo({}, dir);
    expect(await main(["validate", "warn.csv"], io)).toBe(0);
    expect(io.err()).toMatch(/^warning: warn.csv:2 tags: "a,b" holds ","/);
    expect(io.out()).toBe("warn.csv: 1 run\nvalid: 1 file, 1 run, 0 errors, 1 warning\n");
  });
});

describe("the raw table (for a column mapping)", () => {
  it("yields the header, then records by column name with their lines", async () => {
    await writeFile(
      join(dir, "export.csv"),
      "Exported by LIMS 4.2\n\nTest ID;Test Name;Temp (°C)\n17;Hot fire;21,5\n\n18;Cold;\n",
    );
    const items: CsvTableItem[] = [];
    for await (const batch of readCsvTable(
      join(dir, "export.csv"),
      "export.csv",
      dialect({ skipLines: 1 }),
    ))
      items.push(...batch);
    expect(items[0]).toEqual({
      kind: "header",
      header: {
        line: 3,
        names: ["Test ID", "Test Name", "Temp (°C)"],
        delimiter: ";",
        encoding: "utf-8",
      },
    });
    const records = items.flatMap((i) => (i.kind === "record" ? [i.record] : []));
    expect(records.map((r) => [r.line, r.values])).toEqual([
      [4, { "Test ID": "17", "Test Name": "Hot fire", "Temp (°C)": "21,5" }],
      [6, { "Test ID": "18", "Test Name": "Cold", "Temp (°C)": "" }],
    ]);
  });
});

describe("validate --delimiter --encoding", () => {
  it("reads a file as the flags say", async () => {
    const io = captureIo({}, DIALECTS);
    const code = await main(
      ["validate", "semicolon-windows-1252.csv", "--delimiter", ";", "--encoding", "cp1252"],
      io,
    );
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    expect(io.out()).toContain("semicolon-windows-1252.csv: 2 runs");
  });

  it("refuses an unknown encoding as a usage error", async () => {
    const io = captureIo({}, DIALECTS);
    expect(await main(["validate", "tab-separated.csv", "--encoding", "klingon"], io)).toBe(1);
    expect(io.err()).toContain('unknown encoding "klingon"');
  });
});
