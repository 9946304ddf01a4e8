import type { Change } from "../../src/plan/change.js";
import { diffRun } from "../../src/plan/diff.js";
import type { MetadataValue } from "../../src/sift/schemas.js";
import { context, REPLACE, run, spec, ts } from "../plan/builders.js";

const NUMBER = "METADATA_KEY_TYPE_NUMBER";
const STRING = "METADATA_KEY_TYPE_STRING";

const KEYS = context({ alt: NUMBER, site: STRING });

/** A string sink that records what a report writes. */
export function captureText(): { write(s: string): void; text(): string } {
  let out = "";
  return {
    write(s: string) {
      out += s;
    },
    text: () => out,
  };
}

function meta(name: string, value: string | number): MetadataValue {
  return typeof value === "number"
    ? { key: { name, type: NUMBER }, numberValue: value }
    : { key: { name, type: STRING }, stringValue: value };
}

/**
 * A realistic mixed plan (--metadata replace): a create with assets and metadata, an update
 * of several fields that drops a metadata key and warns about assets, two unchanged runs
 * (one with a warning), and an invalid run.
 */
export function mixedPlan(): Change[] {
  return [
    diffRun(
      spec({
        clientKey: "tv-001",
        name: "Thermal vacuum 1",
        assets: ["stand-a"],
        startTime: ts("2024-03-01T08:00:00Z"),
        stopTime: ts("2024-03-01T09:30:00.5Z"),
        tags: ["tvac"],
        isPinned: true,
        metadata: { alt: { value: 1200 } },
        source: { file: "runs.csv", line: 2 },
      }),
      undefined,
      KEYS,
      REPLACE,
    ),
    diffRun(
      spec({
        clientKey: "tv-002",
        name: "New",
        tags: ["a", "c"],
        assets: ["stand-b"],
        metadata: { alt: { value: 1300 } },
        source: { file: "runs.csv", line: 3 },
      }),
      run({
        runId: "run-2",
        clientKey: "tv-002",
        name: "Old",
        tags: ["b", "a"],
        assetIds: ["asset-a"],
        modifiedDate: ts("2024-02-01T10:00:00Z"),
        metadata: [meta("alt", 1200), meta("site", "north")],
      }),
      KEYS,
      REPLACE,
    ),
    diffRun(
      spec({ clientKey: "tv-003", name: "Same", source: { file: "runs.csv", line: 4 } }),
      run({ runId: "run-3", clientKey: "tv-003", name: "Same" }),
      KEYS,
      REPLACE,
    ),
    diffRun(
      spec({
        clientKey: "tv-004",
        name: "Same",
        assets: ["rig-7"],
        source: { file: "runs.yaml", line: 12 },
      }),
      run({ runId: "run-4", clientKey: "tv-004", name: "Same", assetIds: ["asset-a"] }),
      KEYS,
      REPLACE,
    ),
    diffRun(
      spec({
        clientKey: "tv-009",
        name: "Broken",
        assets: ["nope"],
        startTime: ts("2024-03-01T08:00:00Z"),
        stopTime: ts("2024-03-01T09:00:00Z"),
        source: { file: "runs.csv", line: 10 },
      }),
      undefined,
      KEYS,
      REPLACE,
    ),
  ];
}
