import { parseTimestamp, type Timestamp } from "../../src/time/timestamp.js";
import type { RunSpec } from "../../src/manifest/spec.js";
import type { Change } from "../../src/plan/change.js";
import type { DiffContext, DiffOptions } from "../../src/plan/diff.js";
import type { KeyTypeName, Run } from "../../src/sift/schemas.js";

export function ts(text: string): Timestamp {
  const r = parseTimestamp(text);
  if (!r.ok) throw new Error(`${text} ${r.reason}`);
  return r.value;
}

export function spec(fields: Partial<RunSpec> = {}): RunSpec {
  return { clientKey: "tv-001", source: { file: "runs.csv", line: 2 }, ...fields };
}

export function run(fields: Partial<Run> = {}): Run {
  return {
    runId: "run-1",
    createdDate: ts("2024-01-01T00:00:00Z"),
    modifiedDate: ts("2024-01-01T00:00:00Z"),
    createdByUserId: "",
    modifiedByUserId: "",
    organizationId: "",
    isPinned: false,
    name: "",
    description: "",
    tags: [],
    defaultReportId: "",
    clientKey: "tv-001",
    metadata: [],
    assetIds: [],
    isArchived: false,
    isAdhoc: false,
    ...fields,
  };
}

export const ASSETS = new Map([
  ["stand-a", "asset-a"],
  ["stand-b", "asset-b"],
  ["rig-7", "asset-7"],
]);

export function context(keyTypes: Record<string, KeyTypeName> = {}): DiffContext {
  return { assetIds: ASSETS, keyTypes: new Map(Object.entries(keyTypes)) };
}

export const MERGE: DiffOptions = { metadata: "merge", ignore: new Set() };
export const REPLACE: DiffOptions = { metadata: "replace", ignore: new Set() };

/** What the API does with a change: the run after create (+ follow-up) or update. */
export function simulateApply(change: Change, existing: Run | undefined): Run | undefined {
  switch (change.action) {
    case "unchanged":
    case "invalid":
    case "skip":
      return existing;
    case "create": {
      const b = change.body;
      const created = run({
        runId: "run-new",
        name: b.name,
        description: b.description ?? "",
        tags: b.tags ?? [],
        metadata: b.metadata ?? [],
        clientKey: b.clientKey,
        startTime: b.startTime as Timestamp | undefined,
        stopTime: b.stopTime as Timestamp | undefined,
        assetIds: "assetIds" in b ? b.assetIds : [],
      });
      return change.followUp
        ? patch(created, change.followUp.run, change.followUp.updateMask)
        : created;
    }
    case "update":
    case "adopt":
    case "unarchive":
    case "archive":
      return patch(existing!, change.body.run, change.body.updateMask);
    default:
      return change satisfies never;
  }
}

function patch(target: Run, values: Record<string, unknown>, mask: string): Run {
  const next: Record<string, unknown> = { ...target };
  for (const path of mask.split(",")) next[path] = values[path];
  return next as Run;
}
