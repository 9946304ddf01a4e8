import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeCache } from "../../src/cache/cache-file.js";
import { renameInSift } from "../helpers/emulator.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator({ readOnlyApiKey: "reader-of-skipped-csv" });

const HEADER = "clientKey,name,description";

function rows(prefix: string, names: string[]): string {
  return `${HEADER}\n${names.map((n, i) => `${prefix}-${i},${n},d`).join("\n")}\n`;
}

/** The notes the cache logs at info: which files it did not parse, which it read after all. */
function notes(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => (JSON.parse(l) as { msg: string }).msg)
    .filter((m) => m.includes("manifest file"));
}

async function plan(dir: string, files: string[], ...args: string[]) {
  emulator().resetStats();
  const result = await runCli(
    emulator(),
    ["plan", ...files, "--format", "json", "--log-level", "info", ...args],
    dir,
  );
  const full = await runCli(emulator(), ["plan", ...files, "--format", "json", "--no-cache"], dir);
  return { ...result, full: full.stdout, notes: notes(result.stderr) };
}

async function editName(clientKey: string, name: string) {
  expect(await renameInSift(emulator(), clientKey, name)).toBe(200);
}

function cacheData(dir: string) {
  const [name] = readdirSync(join(dir, ".sift-run-sync"));
  return decodeCache(readFileSync(join(dir, ".sift-run-sync", name!)));
}

describe("the sync cache and unchanged manifest files", () => {
  it("parses a file that holds the API key of this sync, to refuse that row at its line", async () => {
    // The text is another key's: the first sync's rows are valid, and the file is recorded. (First
    // in this file: once a sync used a key, this process knows it as a secret; and a key no
    // other test file uses, nor holds a key of another file: `viewer` is one, and a worker runs
    // file after file.)
    const dir = manifestDir({
      "k.csv": `${HEADER}\nfk-0,A,ask the reader-of-skipped-csv\n`,
      "b.csv": rows("fl", ["C"]),
    });
    await runCli(emulator(), ["apply", "k.csv", "b.csv"], dir);
    expect(cacheData(dir).meta.files!.map((f) => f.file)).toEqual(["k.csv", "b.csv"]);
    const viewer = await runCli(
      emulator(),
      ["plan", "k.csv", "b.csv", "--log-level", "info"],
      dir,
      "reader-of-skipped-csv",
    );
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain("k.csv:2 description: holds the API key");
    expect(notes(viewer.stderr)).toEqual([]); // failed before any note, b.csv skipped or not
  });

  it("takes an unchanged file's rows from the cache without parsing it, and parses an edited one", async () => {
    const dir = manifestDir({
      "a.csv": rows("fa", ["A", "B"]),
      "b.csv": rows("fb", ["C", "D", "E"]),
    });
    expect((await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir)).code).toBe(0);
    // The apply recorded both files: every row of each ended in sync.
    const recorded = cacheData(dir).meta.files!;
    expect(recorded.map((f) => [f.file, f.count])).toEqual([
      ["a.csv", 2],
      ["b.csv", 3],
    ]);

    const quiet = await plan(dir, ["a.csv", "b.csv"]);
    expect(quiet.notes).toEqual([
      expect.stringMatching(/^2 of 2 manifest files not parsed: .* 5 rows/),
    ]);
    expect(quiet.stdout).toBe(quiet.full);
    expect(quiet.stdout).toContain('"source":"b.csv:4"');

    // Same bytes written again (an export that rewrites its file every night): still skipped.
    writeFileSync(join(dir, "a.csv"), rows("fa", ["A", "B"]));
    writeFileSync(join(dir, "b.csv"), `${HEADER}\nfb-0,C,d\nfb-1,D2,d\nfb-2,E,d\n`);
    const edited = await plan(dir, ["a.csv", "b.csv"]);
    expect(edited.notes).toEqual([
      expect.stringMatching(/^1 of 2 manifest files not parsed: .* 2 rows/),
      // b.csv's lines of fb-0 and fb-2 are as they were: their rows are not parsed either.
      expect.stringMatching(/^2 rows of 1 edited manifest file not parsed: their lines are as/),
    ]);
    expect(edited.stdout).toBe(edited.full);
    expect(edited.stdout).toMatch(/"clientKey":"fb-1","action":"update"/);
  });

  it("reads a skipped file after all when Sift changed one of its runs", async () => {
    const dir = manifestDir({ "a.csv": rows("fs", ["A", "B"]), "b.csv": rows("ft", ["C"]) });
    await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir);
    await editName("fs-1", "edited in the UI");
    const after = await plan(dir, ["a.csv", "b.csv"]);
    expect(after.notes).toEqual([
      expect.stringMatching(
        /^1 manifest file unchanged since the last sync is read for the runs Sift changed: its rows of those runs are parsed/,
      ),
      expect.stringMatching(/^1 of 2 manifest files not parsed/),
    ]);
    expect(after.stdout).toBe(after.full);
    expect(after.stdout).toMatch(/"clientKey":"fs-1","action":"update"/);
  });

  it("reports a row of an edited file that repeats a skipped file's clientKey as a full read does", async () => {
    const dir = manifestDir({ "a.csv": rows("fd", ["A", "B"]), "b.csv": rows("fe", ["C"]) });
    await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir);
    writeFileSync(join(dir, "b.csv"), `${HEADER}\nfe-0,C,d\nfd-1,again,d\n`);
    const cached = await runCli(emulator(), ["plan", "a.csv", "b.csv"], dir);
    const full = await runCli(emulator(), ["plan", "a.csv", "b.csv", "--no-cache"], dir);
    expect(cached.code).toBe(1);
    expect(cached.stderr).toContain("b.csv:3 clientKey:");
    expect(cached.stderr).toContain("a.csv:3");
    expect(cached.stdout).toBe(full.stdout);
    expect(cached.stderr.replace(/^\{.*\n/gm, "")).toBe(full.stderr.replace(/^\{.*\n/gm, ""));
  });

  it("records no file a row of which failed, and none with --only, --shard or --limit", async () => {
    const dir = manifestDir({ "a.csv": rows("ff", ["A", "B"]), "b.csv": rows("fg", ["C"]) });
    await runCli(emulator(), ["apply", "a.csv", "b.csv"], dir);
    writeFileSync(join(dir, "a.csv"), rows("ff", ["A2", "B"]));
    // A viewer's key: the write is refused; a.csv's row is not in sync, b.csv's rows are.
    const refused = await runCli(
      emulator(),
      ["apply", "a.csv", "b.csv"],
      dir,
      "reader-of-skipped-csv",
    );
    expect(refused.code).toBe(1);
    expect(cacheData(dir).meta.files!.map((f) => f.file)).toEqual(["b.csv"]);
    const retried = await runCli(
      emulator(),
      ["apply", "a.csv", "b.csv", "--log-level", "info"],
      dir,
    );
    expect(retried.stdout).toMatch(/0 created, 1 updated, 2 unchanged/);
    expect(notes(retried.stderr)).toEqual([
      expect.stringMatching(/^1 of 2 manifest files not parsed/),
      // a.csv was not recorded, but its row in sync was: its line stands for it.
      expect.stringMatching(/^1 row of 1 edited manifest file not parsed/),
    ]);
    expect(cacheData(dir).meta.files!.map((f) => f.file)).toEqual(["a.csv", "b.csv"]);

    for (const flags of [
      ["--only", "ff-0"],
      ["--shard", "1/2"],
      ["--limit", "5"],
    ]) {
      const partial = await runCli(
        emulator(),
        ["apply", "a.csv", "b.csv", "--log-level", "info", ...flags],
        dir,
      );
      expect(partial.code).toBe(0);
      // Every file is parsed (no file skipped), and the files recorded before are kept.
      expect(notes(partial.stderr)).toEqual([]);
    }
    expect(cacheData(dir).meta.files!.map((f) => f.file)).toEqual(["a.csv", "b.csv"]);
  });

  it("parses a file's line every night while it has a warning", async () => {
    // `x,y` in a tags cell (the separator is `;`): read as one tag, likely not meant.
    const text = `clientKey,name,tags\nfw-0,A,"x,y"\nfw-1,B,z\n`;
    const dir = manifestDir({ "w.csv": text, "b.csv": rows("fx", ["C"]) });
    await runCli(emulator(), ["apply", "w.csv", "b.csv"], dir);
    const again = await plan(dir, ["w.csv", "b.csv"]);
    expect(cacheData(dir).meta.files!.map((f) => f.file)).toEqual(["b.csv"]);
    // w.csv is not recorded: its line with the warning is parsed (and warns), the other matched.
    expect(again.notes).toEqual([
      expect.stringMatching(/^1 of 2 manifest files not parsed/),
      expect.stringMatching(/^1 row of 1 edited manifest file not parsed/),
    ]);
    expect(again.stderr).toContain("w.csv:2 tags:");
    expect(again.stdout).toBe(again.full);
  });

  it("skips a sync config's unchanged source files, and parses them all when the config changes", async () => {
    const config = (column: string) =>
      [
        "version: 1",
        "sources:",
        "  - path: exports/",
        "    fields:",
        `      clientKey: ${column}`,
        "      name: Title",
        "",
      ].join("\n");
    const dir = manifestDir({ "sift-run-sync.yaml": config("Id") });
    mkdirSync(join(dir, "exports"));
    writeFileSync(join(dir, "exports/one.csv"), "Id,Title\nfm-0,A\nfm-1,B\n");
    writeFileSync(join(dir, "exports/two.csv"), "Id,Title\nfm-2,C\n");
    await runCli(emulator(), ["apply", "--config", "sift-run-sync.yaml"], dir);
    const warm = await plan(dir, ["--config", "sift-run-sync.yaml"]);
    expect(warm.notes).toEqual([expect.stringMatching(/^2 of 2 manifest files not parsed/)]);
    expect(warm.stdout).toBe(warm.full);
    // Same meaning, other text: the config's digest differs, so every file is read again.
    writeFileSync(join(dir, "sift-run-sync.yaml"), `# edited\n${config("Id")}`);
    const changed = await plan(dir, ["--config", "sift-run-sync.yaml"]);
    expect(changed.notes).toEqual([]);
    expect(changed.stdout).toBe(changed.full);
  });
});
