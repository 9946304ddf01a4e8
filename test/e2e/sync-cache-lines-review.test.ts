import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renameInSift } from "../helpers/emulator.js";
import { manifestDir, matchedLines, runCli, useEmulator } from "./harness.js";

/**
 * A second look at line matching: JSON Lines written in other ways, the names a night resolves
 * (assets --create-assets makes, metadata keys new to Sift, an asset no row uses any more),
 * and a manifest problem after rows already read. Each night plans as a full read does.
 */
const emulator = useEmulator();

async function planBoth(dir: string, args: string[]) {
  const plan = ["plan", ...args, "--format", "json", "--log-level", "info"];
  const cached = await runCli(emulator(), plan, dir);
  const full = await runCli(emulator(), [...plan, "--no-cache"], dir);
  return { cached, full, matched: matchedLines(cached.stderr) };
}

const jsonl = (prefix: string, n: number, edit: (i: number) => string = () => "") =>
  Array.from({ length: n }, (_, i) => `{"clientKey":"${prefix}-${i}","name":"run ${i}${edit(i)}"}`);

describe("line matching, second look", () => {
  it("matches JSON Lines written with CRLF, a BOM, blank lines, no last line break", async () => {
    const dir = manifestDir({ "r.jsonl": `${jsonl("jl", 20).join("\n")}\n` });
    expect((await runCli(emulator(), ["apply", "r.jsonl"], dir)).code).toBe(0);
    const lines = jsonl("jl", 20, (i) => (i === 4 ? " (revised)" : ""));
    writeFileSync(join(dir, "r.jsonl"), `\ufeff${lines.join("\r\n\r\n")}`);
    const night = await planBoth(dir, ["r.jsonl"]);
    expect(night.cached.code).toBe(0);
    expect(night.cached.stdout).toBe(night.full.stdout);
    expect(night.cached.stdout).toMatch(/"clientKey":"jl-4","action":"update"/);
    expect(night.matched).toBeGreaterThanOrEqual(17);
  });

  it("parses the JSON Lines line of a run Sift changed, and matches a JSON Lines export renamed", async () => {
    const dir = manifestDir({ "e-1.jsonl": `${jsonl("js", 20).join("\n")}\n` });
    expect((await runCli(emulator(), ["apply", "e-1.jsonl"], dir)).code).toBe(0);
    const lines = jsonl("js", 20, (i) => (i === 0 ? " (revised)" : ""));
    writeFileSync(join(dir, "e-2.jsonl"), `${lines.join("\n")}\n`);
    expect(await renameInSift(emulator(), "js-7", "edited in the UI")).toBe(200);
    const night = await planBoth(dir, ["e-2.jsonl"]);
    expect(night.cached.stdout).toBe(night.full.stdout);
    expect(night.cached.stdout).toMatch(/"clientKey":"js-7","action":"update"/);
    expect(night.cached.stdout).toMatch(/"clientKey":"js-0","action":"update"/);
    // Not js-0's (edited), nor js-7's (matched at first, parsed once Sift's change is known).
    expect(night.matched).toBe(18);
  });

  it("refuses a JSON Lines line written twice as a full read does", async () => {
    const dir = manifestDir({ "d.jsonl": `${jsonl("jd", 10).join("\n")}\n` });
    expect((await runCli(emulator(), ["apply", "d.jsonl"], dir)).code).toBe(0);
    const lines = jsonl("jd", 10);
    lines.splice(7, 0, lines[2]!);
    lines[0] = lines[0]!.replace("run 0", "run 0 (revised)");
    writeFileSync(join(dir, "d.jsonl"), `${lines.join("\n")}\n`);
    const night = await planBoth(dir, ["d.jsonl"]);
    expect(night.full.code).toBe(1);
    expect(night.cached.code).toBe(night.full.code);
    expect(night.cached.stdout).toBe(night.full.stdout);
  });

  it("resolves the names the rows read use: an asset Sift lacks, one no row uses, a new metadata key", async () => {
    const H = "clientKey,name,startTime,stopTime,assets,metadata.campaign";
    const T = "2024-03-04T09:00:00Z,2024-03-04T10:00:00Z";
    const rows = (edit: (i: number) => string | undefined = () => undefined) =>
      Array.from({ length: 20 }, (_, i) => edit(i) ?? `na-${i},run ${i},${T},stand-a,c1`);
    const lone = (i: number) => (i === 9 ? `na-9,run 9,${T},stand-b,c1` : undefined);
    const dir = manifestDir({ "n.csv": `${H}\n${rows(lone).join("\n")}\n` });
    const first = await runCli(emulator(), ["apply", "n.csv"], dir);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    // The only row of stand-b now uses an asset Sift does not have.
    const nights: [string, string[], string][] = [
      [H, [], `na-9,run 9,${T},brand-new-asset,c1`],
      [H, ["--create-assets"], `na-9,run 9,${T},brand-new-asset,c1`],
      [H, [], `na-9,run 9,${T},,c1`],
      [`${H},metadata.brand_new_key`, [], `na-9,run 9,${T},stand-a,c1,v`],
    ];
    for (const [header, flags, line] of nights) {
      const body = rows((i) => (i === 9 ? line : undefined)).map((l, i) =>
        header === H || i === 9 ? l : `${l},`,
      );
      writeFileSync(join(dir, "n.csv"), `${header}\n${body.join("\n")}\n`);
      const night = await planBoth(dir, ["n.csv", ...flags]);
      expect({ line, flags, code: night.cached.code }).toEqual({
        line,
        flags,
        code: night.full.code,
      });
      expect(night.cached.stdout).toBe(night.full.stdout);
    }
  });

  it("with --local, resolves an asset the last night created as a full read does", async () => {
    const H = "clientKey,name,startTime,stopTime,assets";
    const T = "2024-03-04T09:00:00Z,2024-03-04T10:00:00Z";
    const rows = Array.from(
      { length: 12 },
      (_, i) => `lc-${i},run ${i},${T},${i < 6 ? "made-here" : "stand-a"}`,
    );
    const dir = manifestDir({ "l.csv": `${H}\n${rows.join("\n")}\n` });
    const first = await runCli(emulator(), ["apply", "l.csv", "--local"], dir);
    expect(first.stderr).toContain("made-here");
    expect(first.code).toBe(0);
    rows[2] = `lc-2,run 2 (revised),${T},made-here`;
    rows[8] = `lc-8,run 8,${T},made-here;also-new`;
    writeFileSync(join(dir, "l.csv"), `${H}\n${rows.join("\n")}\n`);
    const night = await planBoth(dir, ["l.csv", "--local"]);
    expect(night.cached.code).toBe(night.full.code);
    expect(night.cached.stdout).toBe(night.full.stdout);
    expect(night.matched).toBe(10);
    const again = await runCli(emulator(), ["apply", "l.csv", "--local"], dir);
    expect(again.code).toBe(0);
    const after = await planBoth(dir, ["l.csv", "--local"]);
    expect(after.cached.stdout).toBe(after.full.stdout);
    expect(after.cached.stdout).not.toMatch(/"action":"(update|create)"/);
  });

  it("refuses a duplicate line found through the index of the records' lines as a full read does", async () => {
    const dir = manifestDir({ "x.jsonl": `${jsonl("jx", 30).join("\n")}\n` });
    expect((await runCli(emulator(), ["apply", "x.jsonl"], dir)).code).toBe(0);
    const lines = jsonl("jx", 30).reverse();
    lines.push(lines[3]!);
    writeFileSync(join(dir, "x.jsonl"), `${lines.join("\n")}\n`);
    const night = await planBoth(dir, ["x.jsonl"]);
    expect(night.full.code).toBe(1);
    expect(night.cached.code).toBe(1);
    expect(night.cached.stdout).toBe(night.full.stdout);
  });

  it("resolves NFD asset names under --unicode keep as a full read does", async () => {
    emulator().load({ assets: [{ name: "caf\u00e9", assetId: "asset-cafe" }] });
    const H = "clientKey,name,startTime,stopTime,assets";
    const T = "2024-03-04T09:00:00Z,2024-03-04T10:00:00Z";
    const K = ["--unicode", "keep"];
    const rows = Array.from(
      { length: 12 },
      (_, i) => `uk-${i},run ${i},${T},${i % 4 === 3 ? "caf\u00e9" : "stand-a"}`,
    );
    const dir = manifestDir({ "u.csv": `${H}\n${rows.join("\n")}\n` });
    const first = await runCli(emulator(), ["apply", "u.csv", ...K], dir);
    expect(first.code).toBe(0);
    const said = (stderr: string) =>
      stderr
        .split("\n")
        .filter((l) => /unicode|caf/i.test(l))
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
    rows[7] = `uk-7,run 7 (revised),${T},caf\u00e9`;
    for (const edit of [3, 11]) {
      const nfd = rows.map((r, i) => (i === edit ? r.replace("caf\u00e9", "cafe\u0301") : r));
      writeFileSync(join(dir, "u.csv"), `${H}\n${nfd.join("\n")}\n`);
      const night = await planBoth(dir, ["u.csv", ...K]);
      expect(night.full.code).toBe(1);
      expect(night.cached.code).toBe(night.full.code);
      expect(night.cached.stdout).toBe(night.full.stdout);
      expect(said(night.cached.stderr)).toEqual(said(night.full.stderr));
    }
    writeFileSync(join(dir, "u.csv"), `${H}\n${rows.join("\n")}\n`);
    const clean = await planBoth(dir, ["u.csv", ...K]);
    expect(clean.cached.stdout).toBe(clean.full.stdout);
    // (The nights refused dropped the file's record: its lines are parsed, as they are.)
    expect(clean.cached.code).toBe(0);
  });

  it("resolves the metadata keys and assets of JSON Lines rows as a full read does", async () => {
    const T = '"startTime":"2024-03-04T09:00:00Z","stopTime":"2024-03-04T10:00:00Z"';
    const line = (p: string, i: number, assets: string, metadata: string) =>
      `{"clientKey":"${p}-${i}","name":"run ${i}",${T},"assets":[${assets}],"metadata":{${metadata}}}`;
    const rows = (p: string) =>
      Array.from({ length: 16 }, (_, i) =>
        line(
          p,
          i,
          i === 5 ? '"stand-b"' : '"stand-a"',
          i === 6 ? '"passed":true' : '"campaign":"c"',
        ),
      );
    // Each edit on its own night after an apply (a plan that finds a change drops the record).
    const nights = [
      [5, '"stand-a"', '"campaign":"c"'], // stand-b's only use gone
      [6, '"stand-a"', '"campaign":"c"'], // passed's only use gone
      [9, '"stand-a"', '"campaign":"c","brand_new_key":"v"'], // a key Sift lacks
      [9, '"brand-new-asset"', '"campaign":"c"'], // an asset Sift lacks
    ] as const;
    for (const [n, [i, assets, metadata]] of nights.entries()) {
      const p = `jm${n}`;
      const dir = manifestDir({ "m.jsonl": `${rows(p).join("\n")}\n` });
      const first = await runCli(emulator(), ["apply", "m.jsonl"], dir);
      expect(first.stderr).toBe("");
      const text = line(p, i, assets, metadata);
      const edited = rows(p).map((r, k) => (k === i ? text : r));
      writeFileSync(join(dir, "m.jsonl"), `${edited.join("\n")}\n`);
      const night = await planBoth(dir, ["m.jsonl"]);
      expect({ text, code: night.cached.code }).toEqual({ text, code: night.full.code });
      expect(night.cached.stdout).toBe(night.full.stdout);
      if (night.full.code === 0) expect(night.matched).toBe(15);
    }
  });

  it("names a duplicate of a row a line stood for as a full read does, in either file order", async () => {
    const H = "clientKey,name";
    const rows = Array.from({ length: 12 }, (_, i) => `dk-${i},run ${i}`);
    const dir = manifestDir({ "a.csv": `${H}\n${rows.join("\n")}\n`, "b.csv": `${H}\ndk-b,b\n` });
    expect((await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir)).code).toBe(0);
    rows[0] = "dk-0,run 0 (revised)";
    writeFileSync(join(dir, "a.csv"), `${H}\n${rows.join("\n")}\n`);
    writeFileSync(join(dir, "b.csv"), `${H}\ndk-b,b\ndk-6,run 6\n`);
    for (const files of [
      ["a.csv", "b.csv"],
      ["b.csv", "a.csv"],
    ]) {
      const night = await planBoth(dir, files);
      expect(night.full.code).toBe(1);
      expect(night.cached.code).toBe(1);
      expect(night.cached.stdout).toBe(night.full.stdout);
      expect(night.cached.stdout).toContain("is also defined at");
    }
  });

  it("still fails on a second file's bad header after the first file's rows, as a full read does", async () => {
    const H = "clientKey,name";
    const rows = Array.from({ length: 10 }, (_, i) => `bh-${i},run ${i}`);
    const dir = manifestDir({ "a.csv": `${H}\n${rows.join("\n")}\n`, "b.csv": `${H}\nbh-x,x\n` });
    expect((await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir)).code).toBe(0);
    rows[3] = "bh-3,run 3 (revised)";
    writeFileSync(join(dir, "a.csv"), `${H}\n${rows.join("\n")}\n`);
    writeFileSync(join(dir, "b.csv"), `clientKey,clientKey,name\nbh-x,bh-x,x\n`);
    for (const flags of [[], ["--skip-invalid"]]) {
      const night = await planBoth(dir, ["a.csv", "b.csv", ...flags]);
      expect(night.full.code).not.toBe(0);
      expect(night.cached.code).toBe(night.full.code);
      expect(night.cached.stdout).toBe(night.full.stdout);
    }
  });

  it("skips an invalid edited row with --skip-invalid as a full read does", async () => {
    const H = "clientKey,name,isPinned";
    const rows = Array.from({ length: 10 }, (_, i) => `si-${i},run ${i},false`);
    const dir = manifestDir({ "s.csv": `${H}\n${rows.join("\n")}\n` });
    expect((await runCli(emulator(), ["apply", "s.csv"], dir)).code).toBe(0);
    rows[5] = "si-5,run 5,maybe";
    rows[6] = "si-6,run 6 (revised),false";
    writeFileSync(join(dir, "s.csv"), `${H}\n${rows.join("\n")}\n`);
    const night = await planBoth(dir, ["s.csv", "--skip-invalid"]);
    expect(night.cached.code).toBe(night.full.code);
    expect(night.cached.stdout).toBe(night.full.stdout);
    expect(night.cached.stdout).toMatch(/"clientKey":"si-6","action":"update"/);
  });
});
