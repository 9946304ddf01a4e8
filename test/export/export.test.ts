import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { createSiftClient, exportRuns } from "../../src/index.js";
import { SEED, runCli } from "../e2e/harness.js";
import { exportThenPlan, exportTo, expectNoChanges } from "./export-helpers.js";

const RUNS = [
  {
    clientKey: "tv-001",
    name: 'Thermal vacuum, "cold" soak; phase 1',
    description: "line one\nline two",
    startTime: "2024-03-04T09:00:00.123456789Z",
    stopTime: "2024-03-04T10:00:00.5Z",
    assets: ["stand-a", "rig-7"],
    tags: ["tvac", "cold"],
    isPinned: true,
    metadata: { campaign: "spring, 2024", altitude_m: 1200.25, passed: false },
  },
  { clientKey: "tv-002", name: "No times", tags: [], metadata: { altitude_m: -0.5 } },
  {
    clientKey: "tv-003",
    name: "Only a start",
    startTime: "2024-03-05T00:00:00Z",
    assets: ["stand-b"],
  },
  { clientKey: "tv-004", name: "Archived", isArchived: true },
];

async function withEmulator<T>(
  runs: unknown[],
  body: (e: Awaited<ReturnType<typeof startEmulator>>) => Promise<T>,
) {
  const emulator = await startEmulator({ port: 0, seed: { ...SEED, runs } as never });
  try {
    return await body(emulator);
  } finally {
    await emulator.close();
  }
}

describe("export → plan is No changes", () => {
  for (const format of ["csv", "yaml"] as const) {
    it(`${format}: tags, typed metadata, nanosecond times, asset names, pinned`, async () => {
      await withEmulator(RUNS, async (emulator) => {
        const { plan, text } = await exportThenPlan(emulator, format);
        expectNoChanges(plan, text);
        expect(plan.changes.map((c) => c.clientKey).sort()).toEqual(["tv-001", "tv-002", "tv-003"]);
        expect(text).toContain("2024-03-04T09:00:00.123456789Z");
        expect(text).toContain("rig-7");
        expect(text).not.toContain("asset-7");
      });
    });
  }

  it("csv: typed metadata columns, one per key of the organization", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const { text } = await exportTo(emulator, "csv");
      const header = text.split("\n")[0];
      expect(header).toBe(
        "clientKey,runId,name,description,startTime,stopTime,assets,tags,isPinned,isArchived,metadata.altitude_m:number,metadata.campaign:string,metadata.passed:boolean",
      );
      expect(text).toContain('tv-002,,No times,,,,,";",false,false,-0.5,,');
    });
  });

  it("yaml: metadata keeps its type; a run with a start but no stop has no assets (noted)", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const { text, stderr } = await exportTo(emulator, "yaml");
      const runs = parse(text) as Array<Record<string, unknown>>;
      expect(runs[0]).toMatchObject({
        clientKey: "tv-001",
        metadata: { altitude_m: 1200.25, passed: false },
      });
      expect(runs.find((r) => r.clientKey === "tv-003")).not.toHaveProperty("assets");
      expect(stderr).toMatch(/note: assets not written for 1 run \(tv-003\)/);
    });
  });
});

describe("archived runs", () => {
  it("are left out by default and written with isArchived: true with --include-archived", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const plain = parse((await exportTo(emulator, "yaml")).text) as Array<{ clientKey: string }>;
      expect(plain.map((r) => r.clientKey)).not.toContain("tv-004");
      const { plan, text } = await exportThenPlan(emulator, "yaml", ["--include-archived"]);
      expectNoChanges(plan, text);
      const all = parse(text) as Array<{ clientKey: string; isArchived: boolean }>;
      expect(all.find((r) => r.clientKey === "tv-004")?.isArchived).toBe(true);
    });
  });
});

describe("CSV cannot hold everything", () => {
  it("leaves out what a CSV cell would change (outer spaces, ';' in a tag), says so, and still plans to No changes", async () => {
    const runs = [
      {
        clientKey: "odd-1",
        name: "  padded name  ",
        tags: ["a;b", "c"],
        metadata: { campaign: " x " },
      },
      { clientKey: " padded-key", name: "key with a space" },
    ];
    await withEmulator(runs, async (emulator) => {
      const csv = await exportTo(emulator, "csv");
      expect(csv.code).toBe(1);
      expect(csv.stderr).toMatch(/note: name not written for 1 run \(odd-1\)/);
      expect(csv.stderr).toMatch(/note: tags not written for 1 run \(odd-1\)/);
      expect(csv.stderr).toMatch(/note: metadata.campaign not written/);
      expect(csv.stderr).toMatch(
        /error: run \S+ not exported: clientKey has leading or trailing spaces/,
      );
      // YAML keeps all of it.
      const { plan, text } = await exportThenPlan(emulator, "yaml");
      expectNoChanges(plan, text);
      expect(plan.changes.map((c) => c.clientKey).sort()).toEqual([" padded-key", "odd-1"]);
    });
  });
});

describe("paging", () => {
  it("exports every run of many pages, in creation order, in bounded pages of 1000", async () => {
    const runs = Array.from({ length: 2345 }, (_, i) => ({
      clientKey: `bulk-${String(i).padStart(5, "0")}`,
      name: `Bulk ${i}`,
      metadata: { altitude_m: i },
    }));
    await withEmulator([], async (emulator) => {
      emulator.load({ runs } as never);
      emulator.resetStats();
      const exported = await exportTo(emulator, "csv");
      expect(emulator.stats().requests.ListRuns).toBe(3); // pages of 1000, 1000, 345
      const { plan, text } = await exportThenPlan(emulator, "csv");
      expectNoChanges(plan, text);
      expect(text).toBe(exported.text);
      const lines = text.trimEnd().split("\n");
      expect(lines).toHaveLength(2346);
      expect(lines[1]).toMatch(/^bulk-00000,/);
      expect(lines.at(-1)).toMatch(/^bulk-02344,/);
    });
  });
});

describe("--out and errors", () => {
  it("a --out name whose extension is not a manifest format is refused before any request", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const result = await runCli(emulator, ["export", "--out", "runs.txt"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/--out runs.txt: expected a .csv, .yaml or .yml file/);
      const mismatch = await runCli(emulator, ["export", "--out", "runs.csv", "--format", "yaml"]);
      expect(mismatch.stderr).toMatch(/is a csv file name, but --format is yaml/);
    });
  });

  it("an unknown --key-template placeholder is a usage error", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const result = await runCli(emulator, ["export", "--key-template", "x-{id}"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /unknown placeholder \{id\} \(expected \{runId\}, \{name\}, \{startTime\}\)/,
      );
    });
  });

  it("a relative --out is taken from the command's directory, not the process's", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const dir = mkdtempSync(join(tmpdir(), "export-cwd-"));
      try {
        const result = await runCli(emulator, ["export", "--out", "runs.csv"], dir);
        expect(result.code, result.stderr).toBe(0);
        expect(readFileSync(join(dir, "runs.csv"), "utf8")).toMatch(/^clientKey,/);
        expect(existsSync(join(process.cwd(), "runs.csv"))).toBe(false);
        expect(result.stderr).toMatch(/ to runs\.csv \(csv\)/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("library: a relative out is taken from the cwd option, not the process's", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const dir = mkdtempSync(join(tmpdir(), "export-lib-cwd-"));
      try {
        const client = createSiftClient({ baseUrl: emulator.url, apiKey: "local" });
        const result = await exportRuns({ client, out: "lib-runs.yaml", cwd: dir });
        expect(result.runs).toBe(3);
        expect(parse(readFileSync(join(dir, "lib-runs.yaml"), "utf8"))).toHaveLength(3);
        expect(existsSync(join(process.cwd(), "lib-runs.yaml"))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("writes nothing to --out when the API fails (no partial file, no temp file)", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const exported = await exportTo(emulator, "csv", ["--api-key", "wrong"]);
      expect(exported.code).toBe(1);
      expect(existsSync(exported.file)).toBe(false);
      expect(readdirSync(dirname(exported.file))).toEqual([]);
    });
  });
});

describe("runs without a clientKey", () => {
  const KEYLESS = [
    {
      runId: "cb02e664-31a4-48f8-8da1-b4e3f9e57412",
      name: "Made by hand",
      startTime: "2024-01-01T00:00:00Z",
    },
    { runId: "a096851a-d7e0-4228-8ba6-2de9dc230d87", name: "  Stand A\tcold flow  " },
    { runId: "69014f63-b387-47a5-8cdc-4afdaa158abd", name: "Stand A cold flow" },
    // Its key is what the template would make for the first run: generated keys must not collide.
    { clientKey: "hand-Made-by-hand", name: "Already keyed" },
  ];

  it("are written with their runId and a unique, valid key from --key-template", async () => {
    await withEmulator(KEYLESS, async (emulator) => {
      const { code, text, stderr } = await exportTo(emulator, "yaml", [
        "--key-template",
        "hand-{name}",
      ]);
      expect(code, stderr).toBe(0);
      const runs = parse(text) as Array<{ clientKey: string; runId?: string; name?: string }>;
      expect(runs.map((r) => [r.clientKey, r.runId])).toEqual([
        [
          "hand-Made-by-hand-cb02e664-31a4-48f8-8da1-b4e3f9e57412",
          "cb02e664-31a4-48f8-8da1-b4e3f9e57412",
        ],
        ["hand-Stand-A-cold-flow", "a096851a-d7e0-4228-8ba6-2de9dc230d87"],
        [
          "hand-Stand-A-cold-flow-69014f63-b387-47a5-8cdc-4afdaa158abd",
          "69014f63-b387-47a5-8cdc-4afdaa158abd",
        ],
        ["hand-Made-by-hand", undefined],
      ]);
      expect(stderr).toMatch(
        /3 runs had no clientKey: written with their runId and a key from hand-\{name\}/,
      );
    });
  });

  it("default to run-{runId}, in CSV too", async () => {
    await withEmulator(KEYLESS, async (emulator) => {
      const { text } = await exportTo(emulator, "csv");
      expect(text.split("\n").slice(1, 3)).toEqual([
        'run-cb02e664-31a4-48f8-8da1-b4e3f9e57412,cb02e664-31a4-48f8-8da1-b4e3f9e57412,Made by hand,,2024-01-01T00:00:00Z,,,";",false,false,,,',
        expect.stringMatching(
          /^run-a096851a-d7e0-4228-8ba6-2de9dc230d87,a096851a-d7e0-4228-8ba6-2de9dc230d87,,/,
        ), // the padded name: not written in CSV
      ]);
    });
  });
});

describe("--filter", () => {
  it("exports only the matching runs (and still leaves archived ones out)", async () => {
    await withEmulator(RUNS, async (emulator) => {
      const { plan, text } = await exportThenPlan(emulator, "yaml", [
        "--filter",
        "client_key.startsWith('tv-00') && name != 'No times' // a comment",
      ]);
      expectNoChanges(plan, text);
      expect(plan.changes.map((c) => c.clientKey)).toEqual(["tv-001", "tv-003"]);
    });
  });

  it("is checked with runs:validateFilter before anything is read or written: a clear error, exit 1", async () => {
    await withEmulator(RUNS, async (emulator) => {
      emulator.resetStats();
      const exported = await exportTo(emulator, "csv", ["--filter", "name = 'x'"]);
      expect(exported.code).toBe(1);
      expect(exported.stderr).toMatch(
        /^error: --filter "name = 'x'" is not a valid run filter: .+/m,
      );
      expect(exported.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
      expect(emulator.stats().requests.ListRuns).toBe(0);
      expect(readdirSync(dirname(exported.file))).toEqual([]);
    });
  });
});

describe("export → plan → apply adopts runs without a clientKey", () => {
  const MIXED = [
    {
      runId: "cb02e664-31a4-48f8-8da1-b4e3f9e57412",
      name: "Made by hand",
      startTime: "2024-01-01T00:00:00Z",
      metadata: { passed: true },
    },
    { runId: "a096851a-d7e0-4228-8ba6-2de9dc230d87", name: "  Stand A\tcold flow  ", tags: ["x"] },
    { clientKey: "keyed-1", name: "Keyed", tags: ["y"] },
  ];

  for (const format of ["csv", "yaml"] as const) {
    it(`${format}: the plan holds only adoptions, and after apply a new export plans to No changes`, async () => {
      await withEmulator(MIXED, async (emulator) => {
        const first = await exportThenPlan(emulator, format, ["--key-template", "hand-{name}"]);
        expect(first.plan.changes.map((c) => [c.clientKey, c.action, c.runId])).toEqual([
          ["hand-Made-by-hand", "adopt", "cb02e664-31a4-48f8-8da1-b4e3f9e57412"],
          ["hand-Stand-A-cold-flow", "adopt", "a096851a-d7e0-4228-8ba6-2de9dc230d87"],
          ["keyed-1", "unchanged", expect.any(String)],
        ]);
        for (const change of first.plan.changes.filter((c) => c.action === "adopt")) {
          expect(change.updateMask).toEqual(["clientKey"]);
        }
        const dir = dirname(
          (await exportTo(emulator, format, ["--key-template", "hand-{name}"])).file,
        );
        const applied = await runCli(emulator, ["apply", dir]);
        expect(applied.code, applied.stderr).toBe(0);
        expect(
          emulator.runs().find((r) => r.runId === "a096851a-d7e0-4228-8ba6-2de9dc230d87")
            ?.clientKey,
        ).toBe("hand-Stand-A-cold-flow");
        const again = await exportThenPlan(emulator, format);
        expectNoChanges(again.plan, again.text);
        expect(again.text).not.toContain("cb02e664-31a4-48f8-8da1-b4e3f9e57412"); // keyed now: no runId written
      });
    });
  }
});
