import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatProblem } from "../../src/core/errors.js";
import { type RunSpec, readRunSpecs, validateManifests } from "../../src/manifest/index.js";

/** These files span several of the reader's 64 KiB chunks. */
const ROWS = 3000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-stream-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problemsOf(name: string, body: string | Buffer): Promise<string[]> {
  await writeFile(join(dir, name), body);
  const result = await validateManifests([name], { cwd: dir });
  return result.problems.map(formatProblem);
}

describe("CSV across read chunks", () => {
  it("keeps cells, multi-byte characters and line numbers right wherever chunks split", async () => {
    const lines = ["clientKey,name,description"];
    const expected: { clientKey: string; name: string; description: string; line: number }[] = [];
    let line = 2;
    for (let i = 0; i < ROWS; i++) {
      // Every 7th description spans three lines; names are full of 2-, 3- and 4-byte characters.
      const description = i % 7 === 0 ? `a "quoted", line\r\nsecond ${i}\r\nthird` : `plain ${i}`;
      const name = `Ünïcødé — 测试 😀 ${i}`;
      expected.push({ clientKey: `k-${i}`, name, description, line });
      line += i % 7 === 0 ? 3 : 1;
      const cell = i % 7 === 0 ? `"${description.replaceAll('"', '""')}"` : description;
      lines.push(`k-${i},${name},${cell}`);
    }
    await writeFile(join(dir, "big.csv"), lines.join("\r\n"));
    const specs: RunSpec[] = [];
    for await (const spec of readRunSpecs(["big.csv"], { cwd: dir })) specs.push(spec);
    expect(specs.map((s) => ({ ...s, line: s.source.line, source: undefined }))).toEqual(expected);
    expect(specs.at(-1)?.source.line).toBe(1 + ROWS + 2 * Math.ceil(ROWS / 7));
  });

  it("locates a non-UTF-8 byte far into the file", async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => Buffer.from(`k-${i},Ø name ${i}\n`));
    rows[ROWS - 10] = Buffer.concat([
      Buffer.from("k-bad,Ø caf"),
      Buffer.from([0xe9]),
      Buffer.from("\n"),
    ]);
    const body = Buffer.concat([Buffer.from("clientKey,name\n"), ...rows]);
    expect(await problemsOf("latin1.csv", body)).toEqual([
      `latin1.csv:${ROWS - 8}:12 invalid UTF-8 byte 0xE9 (expected UTF-8 text: save the file as UTF-8)`,
    ]);
  });

  it("locates a multi-byte character cut off by the end of the file", async () => {
    const body = Buffer.concat([Buffer.from("clientKey,name\nk-1,caf"), Buffer.from([0xc3])]);
    expect(await problemsOf("cut.csv", body)).toEqual([
      "cut.csv:2:8 invalid UTF-8 byte 0xC3 (expected UTF-8 text: save the file as UTF-8)",
    ]);
  });

  it("stops at a quote left open for more than 1 MiB instead of reading the file into memory", async () => {
    const filler = Array.from({ length: 80_000 }, (_, i) => `k-${i},filler row ${i}`);
    const body = ["clientKey,name", 'k-open,"never closed', ...filler, 'k-late,"ok"'].join("\n");
    expect(await problemsOf("open.csv", body)).toEqual([
      'open.csv:2 unterminated quoted cell: no closing quote within 1 MiB (expected a closing ")',
    ]);
  });

  it("stops at a line longer than 1 MiB", async () => {
    const body = `clientKey,name\nk-1,${"x".repeat(1_100_000)}`;
    expect(await problemsOf("long-line.csv", body)).toEqual([
      "long-line.csv:2 line is longer than 1 MiB",
    ]);
  });

  it("goes on after a broken quoted row, with later line numbers still right", async () => {
    const body = [
      "clientKey,name,description",
      'k-1,a,"x"y',
      'k-2,b,"multi',
      'line"',
      'k-3,c,stray"quote',
      "k-4,,",
      "k-5,e,ok",
    ].join("\n");
    await writeFile(join(dir, "recover.csv"), body);
    const result = await validateManifests(["recover.csv"], { cwd: dir });
    expect(result.problems.map(formatProblem)).toEqual([
      "recover.csv:2 a closing quote is followed by more text (expected a delimiter or the end of the line after a closing quote)",
    ]);
    expect(result.runs).toBe(4); // k-3's stray quote is text, as Excel reads it
  });
});
