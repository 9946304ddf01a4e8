import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import * as library from "../src/index.js";
import {
  type ApplyOptions,
  createJsonReport,
  createSiftClient,
  type ExportOptions,
  loadSyncConfig,
  type PlanOptions,
  parseChangeLimit,
  readCsvDialect,
  readRetryKeys,
  type SiftClientOptions,
  type ValidateOptions,
} from "../src/index.js";
import { uuidFor } from "./helpers/emulator.js";
import { captureIo } from "./helpers/io.js";
import { manifestDir, runCli, useEmulator } from "./e2e/harness.js";

/**
 * Everything the CLI does is callable from code with the same options and the same results
 * (issue 21, item 4). Each option of plan, apply, validate and export has its counterpart in
 * the library (an options type's key, checked by the compiler, or an exported function); and a
 * plan through the library equals the CLI's `plan --format json`, option by option.
 */

type Counterpart =
  | { plan: keyof PlanOptions }
  | { apply: keyof ApplyOptions }
  | { validate: keyof ValidateOptions }
  | { export: keyof ExportOptions }
  | { client: keyof SiftClientOptions }
  /** An exported function that turns the flag's text into the option's value, or reads it. */
  | { call: keyof typeof library }
  /** How the CLI shows its results: the library returns them as values instead. */
  | { shown: string };

const CONNECTION: Record<string, Counterpart> = {
  "--api-url": { client: "baseUrl" },
  "--api-key": { client: "apiKey" },
  "--profile": { call: "resolveConnection" },
  "--local": { call: "startEmulator" },
  "--ca-file": { client: "caFile" },
  "--timeout": { client: "timeoutMs" },
  "--retries": { client: "retry" },
  "--concurrency": { client: "concurrency" },
  "--max-rps": { client: "maxRps" },
};
const COMMON: Record<string, Counterpart> = {
  "--log-level": { client: "logger" },
  "--log-format": { client: "logger" },
  "--no-progress": { plan: "onProgress" },
};
const READING: Record<string, Counterpart> = {
  "--config": { call: "loadSyncConfig" },
  "--delimiter": { call: "readCsvDialect" },
  "--encoding": { call: "readCsvDialect" },
  "--stdin-format": { plan: "stdin" },
  "--unicode": { plan: "unicode" },
  "--client-key-check": { plan: "clientKeyCheck" },
};
const PLAN: Record<string, Counterpart> = {
  ...CONNECTION,
  ...COMMON,
  ...READING,
  "--out": { call: "createPlanFileWriter" },
  "--format": { call: "createJsonReport" },
  "--detailed-exitcode": { call: "hasChanges" },
  "--mode": { plan: "mode" },
  "--metadata": { plan: "metadata" },
  "--ignore": { plan: "ignore" },
  "--shard": { plan: "shard" },
  "--adopt-by": { plan: "adoptBy" },
  "--archive-missing": { plan: "archiveMissing" },
  "--scope": { plan: "archiveMissing" },
  "--max-archive": { plan: "archiveMissing" },
  "--allow-empty": { plan: "archiveMissing" },
  "--cache": { plan: "cache" },
  "--no-cache": { plan: "cache" },
  "--refresh": { plan: "cache" },
  "--refresh-every": { plan: "cache" },
  "--skip-invalid": { plan: "skipInvalid" },
  "--max-changes": { plan: "maxChanges" },
  "--only": { plan: "only" },
  "--retry-failed": { call: "readRetryKeys" },
};
const COUNTERPARTS: Record<string, Record<string, Counterpart>> = {
  plan: PLAN,
  apply: {
    ...PLAN,
    "--concurrency": { apply: "concurrency" },
    "--dry-run": { call: "plan" },
    "--plan": { call: "applyPlanFile" },
    "--expect-digest": { call: "applyPlanFile" },
    "--results": { call: "createResultsWriter" },
    "--fail-fast": { apply: "failFast" },
    "--limit": { apply: "limit" },
    "--format": { shown: "the summary: ApplyResult's counts" },
  },
  validate: {
    ...COMMON,
    ...READING,
    "--no-progress": { shown: "validate shows no progress" },
    "--stdin-format": { validate: "stdin" },
    "--unicode": { validate: "unicode" },
    "--client-key-check": { validate: "clientKeyCheck" },
    "--show": { validate: "onRun" },
  },
  export: {
    ...CONNECTION,
    ...COMMON,
    "--no-progress": { export: "onProgress" },
    "--filter": { export: "filter" },
    "--include-archived": { export: "includeArchived" },
    "--format": { export: "format" },
    "--out": { export: "out" },
    "--key-template": { call: "parseKeyTemplate" },
  },
};

const program = await buildProgram({ io: captureIo(), setExitCode: () => {} });

describe("every option of the CLI has its counterpart in the library", () => {
  for (const [name, table] of Object.entries(COUNTERPARTS)) {
    it(`${name}: the table names exactly the command's options`, () => {
      const command = program.commands.find((c) => c.name() === name)!;
      const options = command.options.map((o) => o.long!).sort();
      expect(Object.keys(table).sort()).toEqual(options);
      for (const [flag, where] of Object.entries(table)) {
        if ("call" in where) expect(typeof library[where.call], flag).toBe("function");
      }
    });
  }
});

const SCOPE = "client_key.startsWith('k-')";
const emulator = useEmulator({
  seed: {
    assets: [{ name: "stand-a", assetId: "asset-a" }],
    metadataKeys: [{ name: "campaign", type: "string" as const }],
    runs: [
      { runId: uuidFor("k-update"), clientKey: "k-update", name: "Old name" },
      {
        runId: uuidFor("k-same"),
        clientKey: "k-same",
        name: "Same",
        startTime: "2024-05-02T10:00:00Z",
        stopTime: "2024-05-02T11:00:00Z",
        assetIds: ["asset-a"],
      },
      { runId: uuidFor("k-gone"), clientKey: "k-gone", name: "No manifest holds it" },
      { runId: uuidFor("k-nfd"), clientKey: "k-nfd", name: "Cafe\u0301" },
      {
        runId: uuidFor("keyless"),
        name: "Adopt me",
        startTime: "2024-05-01T10:00:00Z",
        stopTime: "2024-05-01T11:00:00Z",
      },
    ],
  },
});

const RUNS = [
  "clientKey,name,startTime,stopTime,assets,metadata.campaign",
  "k-new,New run,,,,spring",
  "k-update,New name,,,,",
  "k-same,Same,2024-05-02T10:00:00Z,2024-05-02T11:00:00Z,stand-a,",
  "k-adopt,Adopt me,2024-05-01T10:00:00Z,2024-05-01T11:00:00Z,,",
  "k-nfd,Caf\u00e9,,,,",
  "k new!,Key Sift refuses,,,,",
].join("\n");
const dir = manifestDir({
  "runs.csv": RUNS + "\n",
  "semi.csv": "clientKey;name\nk-semi;Semicolons\n",
  "bad.csv": "clientKey,name,startTime\nk-bad,Bad time,2024-13-01\nk-good,Good,\n",
  "results.jsonl":
    JSON.stringify({ clientKey: "k-new", status: "failed", action: "create", source: "x" }) +
    "\n" +
    JSON.stringify({ clientKey: "k-same", status: "ok", action: "unchanged", source: "x" }) +
    "\n",
  "sift-run-sync.yaml": [
    "version: 1",
    "sources:",
    "  - path: runs.csv",
    "    fields: { clientKey: clientKey, name: name, startTime: startTime, stopTime: stopTime, assets: { column: assets, separator: ',' }, metadata: { campaign: metadata.campaign } }",
    "options: { metadata: replace, clientKeyCheck: off, unicode: keep }",
    "",
  ].join("\n"),
});
const runs = join(dir, "runs.csv");

/** The library's options for a case (paths and client added), from the test's directory. */
type Case = [flags: string[], options: () => Promise<Partial<PlanOptions>> | Partial<PlanOptions>];

const CASES: Case[] = [
  [[runs], () => ({})],
  [[runs, "--mode", "update-only"], () => ({ mode: "update-only" })],
  [[runs, "--mode", "create-only"], () => ({ mode: "create-only" })],
  [[runs, "--metadata", "replace"], () => ({ metadata: "replace" })],
  [[runs, "--ignore", "name,assets"], () => ({ ignore: ["name", "assets"] })],
  [[runs, "--shard", "2/3"], () => ({ shard: { index: 2, count: 3 } })],
  [[runs, "--adopt-by", "name,startTime"], () => ({ adoptBy: ["name", "startTime"] })],
  [
    [runs, "--archive-missing", "--scope", SCOPE, "--max-archive", "100%"],
    () => ({ archiveMissing: { scope: SCOPE, maxArchive: { percent: 100 } } }),
  ],
  [
    [runs, "--archive-missing", "--scope", SCOPE],
    () => ({ archiveMissing: { scope: SCOPE } }), // refused by --max-archive's 10%
  ],
  [[runs, "--max-changes", "1"], () => ({ maxChanges: parseChangeLimit("1") })],
  [[runs, "--only", "k-new,k-same"], () => ({ only: new Set(["k-new", "k-same"]) })],
  [
    [runs, "--retry-failed", join(dir, "results.jsonl")],
    () => ({ only: readRetryKeys(join(dir, "results.jsonl")) }),
  ],
  [[runs, "--unicode", "keep"], () => ({ unicode: "keep" })],
  [[runs, "--client-key-check", "off"], () => ({ clientKeyCheck: "off" })],
  [
    [join(dir, "semi.csv"), "--delimiter", ";"],
    () => {
      const read = readCsvDialect({ delimiter: ";" });
      if (!read.ok) throw new Error(read.message);
      return { paths: [join(dir, "semi.csv")], csv: read.dialect };
    },
  ],
  [
    [join(dir, "bad.csv"), "--skip-invalid"],
    () => ({ paths: [join(dir, "bad.csv")], skipInvalid: true }),
  ],
  [
    ["--config", join(dir, "sift-run-sync.yaml")],
    async () => ({ paths: [], config: await loadSyncConfig(join(dir, "sift-run-sync.yaml"), dir) }),
  ],
  [
    [runs, "--cache", join(dir, "cache"), "--refresh", "full"],
    () => ({ cache: { dir: join(dir, "cache"), refresh: "full" } }),
  ],
];

describe("a plan through the library equals the CLI's plan --format json", () => {
  it.each(CASES)("plan %j", async (flags, options) => {
    const cli = await runCli(
      emulator(),
      [
        "plan",
        ...flags,
        "--format",
        "json",
        "--no-progress",
        ...(flags.includes("--cache") ? [] : ["--no-cache"]),
      ],
      dir,
    );
    const client = createSiftClient({ baseUrl: emulator().url, apiKey: "local" });
    let text = "";
    const shown = JSON.parse(cli.stdout) as { target: string };
    const sink = { write: (s: string) => (text += s) };
    const report = createJsonReport(sink, { target: shown.target });
    const result = await library.plan({
      paths: [runs],
      cwd: dir,
      client,
      onChange: (change) => report.add(change),
      ...(await options()),
    });
    report.end(result.summary, undefined, undefined, result.refusals);
    expect(JSON.parse(text)).toEqual(shown);
    // The exit code follows from the result as the CLI derives it.
    const expected = result.refused ? 3 : result.summary.invalid > 0 ? 1 : 0;
    expect(cli.code, cli.stderr).toBe(expected);
    if (result.refused) expect(cli.stderr).toContain(result.refused.message);
  });
});

describe("an export through the library equals the CLI's export --out", () => {
  it.each([
    [["--out", "cli.yaml"], { out: "lib.yaml" }],
    [
      ["--out", "cli.csv", "--key-template", "old-{runId}", "--filter", "name != 'Same'"],
      { out: "lib.csv", keyTemplate: "old-{runId}", filter: "name != 'Same'" },
    ],
  ] as const)("export %j", async (flags, options) => {
    // Relative paths: the CLI takes them from its cwd, the library from its cwd option.
    const cli = await runCli(emulator(), ["export", ...flags, "--no-progress"], dir);
    expect(cli.code, cli.stderr).toBe(0);
    const client = createSiftClient({ baseUrl: emulator().url, apiKey: "local" });
    const result = await library.exportRuns({ client, ...options, cwd: dir });
    expect(result.generatedKeys).toBe(1); // the run without a clientKey
    const read = (name: string) => readFileSync(join(dir, name), "utf8");
    expect(read(options.out)).toBe(read(flags[1]));
  });
});
