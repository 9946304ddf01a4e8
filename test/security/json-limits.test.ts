import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSiftClient } from "../../src/sift/client.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { callApi } from "../helpers/emulator.js";
import { BIN } from "../reliability/support/processes.js";
import { startTestServer } from "../sift/test-server.js";
import { workspace } from "./support.js";

/**
 * Deeply nested JSON and very wide records are refused by their depth and width, measured
 * before anything parses them: JSON.parse holds every level of `[[[[…` in memory (an 8 MiB
 * file of brackets takes 290 MB) and an object of 700,000 keys as much. The CLI runs as its
 * own process in a 48 MB heap, so reading such a file shows as a V8 abort, not a slow test.
 */
const SMALL_HEAP = "--max-old-space-size=48";
const run = promisify(execFile);

async function validateInChild(cwd: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [SMALL_HEAP, BIN, "validate", ...args], {
      cwd,
      maxBuffer: 1 << 24,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; signal?: string; stdout: string; stderr: string };
    return { code: e.code ?? e.signal, stdout: e.stdout, stderr: e.stderr };
  }
}

const EIGHT_MIB = 8 * 1024 * 1024;
const nest = (depth: number, inner = "") => "[".repeat(depth) + inner + "]".repeat(depth);
/** `{"k0":1,"k1":1,…}` of `keys` keys. */
const wideObject = (keys: number) =>
  `{${Array.from({ length: keys }, (_, i) => `"k${i}":1`).join(",")}}`;
const DEEP = "lists and mappings nested more than 64 deep";
const WIDE =
  "a mapping of more than 16,384 keys (the most a record may have, as many as a spreadsheet has columns)";

describe("manifests", () => {
  const { manifests: dir } = workspace({});
  const run1 = '{"clientKey":"a","name":"b"}';
  // Just under the 8 MiB a JSON manifest may hold: 4 million levels.
  const depth = Math.floor((EIGHT_MIB - 2) / 2) - 1;
  writeFileSync(join(dir, "deep.json"), `[${nest(depth)}]`);
  writeFileSync(
    join(dir, "wide.json"),
    `[{"clientKey":"a","name":"b","metadata":${wideObject(700_000)}}]`,
  );
  const deepLine = `{"clientKey":"c","name":"d","tags":${nest(500_000)}}`;
  writeFileSync(join(dir, "deep.jsonl"), `${run1}\n${deepLine}\n`);
  writeFileSync(
    join(dir, "wide.jsonl"),
    `{"clientKey":"w","name":"b"}\n{"clientKey":"x","name":"d","metadata":${wideObject(90_000)}}\n`,
  );
  writeFileSync(join(dir, "wide.csv"), `clientKey,name${",x".repeat(500_000)}\n`);
  const fits = Array.from({ length: 16_382 }, (_, i) => `metadata.k${i}`);
  writeFileSync(
    join(dir, "widest.csv"),
    `clientKey,name,${fits.join(",")}\nk1,n${",v".repeat(16_382)}\n`,
  );
  writeFileSync(
    join(dir, "widest.jsonl"),
    `{"clientKey":"c1","name":"d","metadata":${wideObject(16_384)}}\n`,
  );

  it("a JSON manifest nested 4 million deep (8 MiB): refused, located, in a 48 MB heap", async () => {
    const result = await validateInChild(dir, "deep.json");
    expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
    expect(result.stderr.split("\n")).toContain(`deep.json:1:65 ${DEEP} (a manifest needs 4)`);
  });

  it("a JSON manifest run with 700,000 metadata keys: refused, located, in a 48 MB heap", async () => {
    const result = await validateInChild(dir, "wide.json");
    expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
    expect(result.stderr).toMatch(/^wide\.json:1:\d+ a mapping of more than 16,384 keys/m);
    expect(result.stderr).toContain(WIDE);
  });

  it("JSON Lines: a line nested too deep or too wide is refused, located; the other runs are read", async () => {
    const result = await validateInChild(dir, "deep.jsonl", "wide.jsonl");
    expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
    const lines = result.stderr.split("\n");
    // The line's object is one level, its first 63 brackets the others: the 64th is too many.
    const column = deepLine.indexOf("[") + 64;
    expect(lines).toContain(`deep.jsonl:2:${column} ${DEEP} (a run needs 2)`);
    expect(lines.some((l) => /^wide\.jsonl:2:\d+ a mapping of more than 16,384 keys/.test(l))).toBe(
      true,
    );
    expect(result.stdout).toMatch(/invalid: 2 files, 2 runs, 2 errors/);
  });

  it("CSV: a header of more than 16,384 columns is refused in one problem", async () => {
    const result = await validateInChild(dir, "wide.csv");
    expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      "wide.csv:1 header: header has 500,002 columns, more than the 16,384 a record may have (as many as a spreadsheet has columns)",
      "error: 1 problem in the manifests; nothing was written",
    ]);
  });

  it("16,384 columns and keys are still read", async () => {
    const result = await validateInChild(dir, "widest.csv", "widest.jsonl");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("sync-config sources and the config", () => {
  const { dir } = workspace({});
  const config = (path: string, extra = "") =>
    `version: 1\nsources:\n  - path: ${path}\n${extra}    fields:\n      clientKey: id\n      name: title\n`;
  writeFileSync(
    join(dir, "deep.json"),
    `{"items":[{"id":"a","title":"b","x":${nest(3_000_000)}}]}`,
  );
  writeFileSync(join(dir, "deep.yaml"), `items:\n  - {id: a, title: b, x: ${nest(100_000)}}\n`);
  writeFileSync(join(dir, "wide.json"), `{"items":[${wideObject(500_000)}]}`);
  writeFileSync(
    join(dir, "deep.jsonl"),
    `{"id":"a","title":"b"}\n{"id":"c","x":${nest(400_000)}}\n`,
  );
  for (const name of ["deep.json", "deep.yaml", "wide.json"]) {
    writeFileSync(join(dir, `${name}.cfg.yaml`), config(name, "    records: items\n"));
  }
  writeFileSync(join(dir, "deep.jsonl.cfg.yaml"), config("deep.jsonl"));
  writeFileSync(join(dir, "nested.cfg.yaml"), `version: 1\nsources: ${nest(100_000, "x")}\n`);

  it.each([
    ["deep.json", new RegExp(`^deep\\.json:1:\\d+ ${DEEP}$`, "m")],
    ["deep.yaml", new RegExp(`^deep\\.yaml:2:\\d+ ${DEEP}$`, "m")],
    ["wide.json", /^wide\.json:1:\d+ a mapping of more than 16,384 keys/m],
    ["deep.jsonl", new RegExp(`^deep\\.jsonl:2:\\d+ ${DEEP}$`, "m")],
    ["nested", new RegExp(`^nested\\.cfg\\.yaml:2:\\d+ ${DEEP}$`, "m")],
  ])("%s: refused, located, in a 48 MB heap", async (name, expected) => {
    const result = await validateInChild(dir, "--config", `${name}.cfg.yaml`);
    expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

describe("API messages", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(() => emulator.close());

  it("the emulator answers 400 to a request body nested too deep, without parsing it", async () => {
    const body = `{"name":"x","clientKey":"k","metadata":${nest(5_000_000)}}`;
    const answer = await callApi(emulator, "POST", "/api/v2/runs", body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      code: 3,
      message: "request body nests more than 100 deep (at position 138)",
      details: [],
    });
    expect(emulator.runs()).toEqual([]);
    // 100 levels are still read (and refused for what they hold, not for their depth).
    const deepEnough = await callApi(
      emulator,
      "POST",
      "/api/v2/runs",
      `{"name":"x","tags":${nest(99)}}`,
    );
    expect(deepEnough.status).toBe(400);
    expect(deepEnough.body.message).not.toMatch(/nests/);
  });

  it("the client refuses an answer nested too deep, at once and without parsing it", async () => {
    const body = `{"runs":[{"runId":"r","name":"n","extra":${nest(20_000_000)}}],"nextPageToken":""}`;
    const server = await startTestServer((_, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    try {
      const client = createSiftClient({ baseUrl: server.url, apiKey: "k", concurrency: 1 });
      await expect(client.listRuns({ pageSize: 10 })).rejects.toThrow(
        /unexpected response from GET \/api\/v2\/runs: body nests more than 100 deep \(at position \d+\)/,
      );
      expect(server.received).toHaveLength(1); // a broken answer, not retried
    } finally {
      await server.close();
    }
  });
});
