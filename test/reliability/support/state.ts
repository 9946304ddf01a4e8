import { compareTimestamps, parseTimestamp, type Timestamp } from "../../../src/time/timestamp.js";
import type { WireRun } from "../../../src/emulator/index.js";
import { ASSETS, type ManifestRun } from "./runs.js";

/**
 * Checks that Sift (the emulator) holds what the manifests say: exactly one run per
 * clientKey, and each managed field equal, field by field. Returns the differences as
 * readable lines, so a failing test shows what went wrong, not just "false".
 */
export function diffState(runs: readonly WireRun[], manifest: readonly ManifestRun[]): string[] {
  const byKey = new Map<string, WireRun[]>();
  for (const run of runs) {
    if (run.clientKey === undefined) continue;
    byKey.set(run.clientKey, [...(byKey.get(run.clientKey) ?? []), run]);
  }
  const problems: string[] = [];
  for (const want of manifest) {
    const found = byKey.get(want.clientKey) ?? [];
    if (found.length !== 1) {
      problems.push(`${want.clientKey}: ${found.length} runs (expected exactly 1)`);
      continue;
    }
    for (const p of diffRun(found[0]!, want)) problems.push(`${want.clientKey}: ${p}`);
  }
  return problems;
}

/** How many runs hold each clientKey more than once (duplicates anywhere in the state). */
export function duplicateKeys(runs: readonly WireRun[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const run of runs) {
    if (run.clientKey === undefined) continue;
    if (seen.has(run.clientKey)) twice.add(run.clientKey);
    seen.add(run.clientKey);
  }
  return [...twice];
}

const ASSET_NAME_BY_ID = new Map(ASSETS.map((a) => [a.assetId, a.name]));

function diffRun(run: WireRun, want: ManifestRun): string[] {
  const problems: string[] = [];
  const differ = (field: string, got: unknown, expected: unknown) =>
    problems.push(`${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  if ((run.name ?? "") !== want.name) differ("name", run.name, want.name);
  if (want.description !== undefined && (run.description ?? "") !== want.description) {
    differ("description", run.description, want.description);
  }
  for (const field of ["startTime", "stopTime"] as const) {
    if (want[field] !== undefined && !sameInstant(run[field], want[field])) {
      differ(field, run[field], want[field]);
    }
  }
  if (want.assets !== undefined) {
    const names = (run.assetIds ?? []).map((id) => ASSET_NAME_BY_ID.get(id) ?? id);
    if (!sameSet(names, want.assets)) differ("assets", names, want.assets);
  }
  if (want.tags !== undefined && !sameSet(run.tags ?? [], want.tags)) {
    differ("tags", run.tags, want.tags);
  }
  if (want.isPinned !== undefined && (run.isPinned ?? false) !== want.isPinned) {
    differ("isPinned", run.isPinned ?? false, want.isPinned);
  }
  if (want.isArchived !== undefined && (run.isArchived ?? false) !== want.isArchived) {
    differ("isArchived", run.isArchived ?? false, want.isArchived);
  }
  for (const [key, value] of Object.entries(want.metadata ?? {})) {
    const got = run.metadata?.find((m) => m.key.name === key);
    const gotValue = got?.stringValue ?? got?.numberValue ?? got?.booleanValue;
    if (gotValue !== value) differ(`metadata.${key}`, gotValue, value);
  }
  return problems;
}

function sameInstant(got: string | undefined, want: string): boolean {
  if (got === undefined) return false;
  const a = parseTimestamp(got);
  const b = parseTimestamp(want);
  return a.ok && b.ok && compareTimestamps(a.value as Timestamp, b.value as Timestamp) === 0;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}
