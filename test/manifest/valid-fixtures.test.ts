import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type RunSpec,
  readRunSpecs,
  runSpecSchema,
  validateManifests,
} from "../../src/manifest/index.js";

const VALID = fileURLToPath(new URL("../../fixtures/manifests/valid/", import.meta.url));

async function specsOf(file: string): Promise<RunSpec[]> {
  const specs: RunSpec[] = [];
  for await (const spec of readRunSpecs([file], { cwd: VALID })) specs.push(spec);
  return specs;
}

describe("valid manifests", () => {
  it("validate together, without a problem", async () => {
    const result = await validateManifests(["."], { cwd: VALID });
    expect(result.problems).toEqual([]);
    expect(result.files.length).toBeGreaterThanOrEqual(8);
    expect(result.runs).toBe(18);
  });

  it("yield specs the zod schema accepts", async () => {
    for await (const spec of readRunSpecs(["."], { cwd: VALID })) {
      expect(runSpecSchema.safeParse(spec).success).toBe(true);
    }
  });

  it("CSV: every field, typed metadata, lists, booleans in any case, blank = not managed", async () => {
    expect(await specsOf("all-fields.csv")).toEqual([
      {
        clientKey: "af-001",
        name: "Hot fire 1",
        description: 'First, and "best"',
        startTime: "2024-01-31T12:00:00Z",
        stopTime: "2024-01-31T13:30:00.500Z",
        assets: ["stand-a", "rig-7"],
        tags: ["a", "b"],
        isPinned: true,
        isArchived: false,
        metadata: {
          campaign: { value: "spring" },
          altitude_m: { value: 1, type: "number" },
          passed: { value: true, type: "boolean" },
          note: { value: "007", type: "string" },
        },
        source: { file: "all-fields.csv", line: 2 },
      },
      {
        clientKey: "af-002",
        name: "Planned",
        startTime: "2024-02-01T07:00:00Z",
        tags: [],
        isPinned: false,
        metadata: {
          altitude_m: { value: -350, type: "number" },
          passed: { value: false, type: "boolean" },
        },
        source: { file: "all-fields.csv", line: 3 },
      },
      { clientKey: "af-003", source: { file: "all-fields.csv", line: 4 } },
    ]);
  });

  it("CSV: BOM, CRLF, blank lines, quoted multi-line cells keep later line numbers right", async () => {
    expect(await specsOf("bom-crlf-multiline.csv")).toEqual([
      {
        clientKey: "bom-001",
        name: "Run 1",
        description: "first line\r\nsecond line\r\n\r\nfourth line",
        source: { file: "bom-crlf-multiline.csv", line: 3 },
      },
      { clientKey: "bom-002", name: "Run, 2", source: { file: "bom-crlf-multiline.csv", line: 7 } },
      {
        clientKey: "bom-003",
        name: "Run 3",
        description: '"quoted"',
        source: { file: "bom-crlf-multiline.csv", line: 9 },
      },
      {
        clientKey: "bom-004",
        name: "Run 4",
        description: "no newline at the end",
        source: { file: "bom-crlf-multiline.csv", line: 11 },
      },
    ]);
  });

  it("CSV: snake_case headers", async () => {
    expect(await specsOf("snake-case.csv")).toEqual([
      {
        clientKey: "sn-001",
        name: "Run 1",
        startTime: "2024-01-31T12:00:00Z",
        stopTime: "2024-01-31T13:00:00Z",
        isPinned: true,
        isArchived: false,
        assets: ["vehicle-01"],
        tags: ["flight"],
        source: { file: "snake-case.csv", line: 2 },
      },
    ]);
  });

  it("CSV: a header-only file is valid and holds no runs", async () => {
    const result = await validateManifests(["header-only.csv"], { cwd: VALID });
    expect(result).toMatchObject({ runs: 0, totalProblems: 0 });
  });

  it("YAML list: YAML types kept, snake_case keys, null = not managed, empty values managed", async () => {
    expect(await specsOf("list.yaml")).toEqual([
      {
        clientKey: "ls-001",
        name: "Hot fire 1",
        description: "",
        startTime: "2024-01-31T12:00:00.000000001Z",
        stopTime: "2024-01-31T13:00:00Z",
        assets: ["stand-a", "rig-7"],
        tags: ["a", "b"],
        isPinned: true,
        isArchived: false,
        metadata: {
          campaign: { value: "spring" },
          altitude_m: { value: 1200 },
          ratio: { value: 0.5 },
          passed: { value: false },
          code: { value: "007" },
        },
        source: { file: "list.yaml", line: 2 },
      },
      { clientKey: "ls-002", tags: [], metadata: {}, source: { file: "list.yaml", line: 17 } },
      {
        clientKey: "ls-003",
        name: "Left alone",
        metadata: {},
        source: { file: "list.yaml", line: 20 },
      },
    ]);
  });

  it("YAML defaults fill what a run leaves out; metadata merges key by key", async () => {
    const [first, second, third] = await specsOf("defaults.yaml");
    expect(first).toEqual({
      clientKey: "n-001",
      name: "Nightly",
      tags: ["nightly"],
      isPinned: false,
      metadata: {
        campaign: { value: "nightly" },
        operator: { value: "alice" },
        passed: { value: true },
      },
      source: { file: "defaults.yaml", line: 9 },
    });
    expect(second).toMatchObject({ name: "Nightly, special", tags: ["nightly", "special"] });
    expect(third).toMatchObject({
      isPinned: true,
      metadata: { campaign: { value: "nightly" }, operator: { value: "ci-bot" } },
    });
  });

  it("YAML documents each have their own defaults", async () => {
    expect(await specsOf("multi-document.yaml")).toEqual([
      { clientKey: "d1-001", tags: ["first"], source: { file: "multi-document.yaml", line: 5 } },
      { clientKey: "d2-001", source: { file: "multi-document.yaml", line: 8 } },
    ]);
  });

  it("JSON is read like YAML", async () => {
    expect(await specsOf("runs.json")).toEqual([
      {
        clientKey: "j-001",
        name: "From JSON",
        startTime: "2024-01-31T12:00:00Z",
        stopTime: "2024-01-31T12:00:01Z",
        assets: ["rig-7"],
        tags: ["json"],
        source: { file: "runs.json", line: 4 },
      },
      {
        clientKey: "j-002",
        tags: ["json"],
        metadata: {
          altitude_m: { value: 12.5 },
          passed: { value: true },
          campaign: { value: "json" },
        },
        source: { file: "runs.json", line: 5 },
      },
    ]);
  });
});
