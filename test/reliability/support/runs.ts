import type { EmulatorSeed, SeedRun } from "../../../src/emulator/index.js";
import { pickInt } from "./random.js";

/**
 * Generated manifests for reliability tests: every field a manifest can manage, CSV quoting
 * (commas, quotes, line breaks), creates with and without assets (CreateAdhocRun / CreateRun),
 * follow-up updates (isPinned, isArchived) and runs that already exist, changed or not.
 */

export const ASSETS = [
  { name: "stand-a", assetId: "asset-a" },
  { name: "stand-b", assetId: "asset-b" },
  { name: 'rig 7, bay "3"', assetId: "asset-7" },
];

const METADATA_KEYS = [
  { name: "campaign", type: "string" as const },
  { name: "altitude_m", type: "number" as const },
  { name: "passed", type: "boolean" as const },
];

/** The emulator seed every scenario starts from: assets and metadata keys, no runs. */
export const BASE_SEED: EmulatorSeed = { assets: ASSETS, metadataKeys: METADATA_KEYS };

/** One manifest run; an absent field is "not managed". */
export interface ManifestRun {
  clientKey: string;
  name: string;
  description?: string;
  startTime?: string;
  stopTime?: string;
  assets?: string[];
  tags?: string[];
  isPinned?: boolean;
  isArchived?: boolean;
  metadata?: { campaign?: string; altitude_m?: number; passed?: boolean };
}

const DESCRIPTIONS = [
  "plain",
  "with, a comma",
  'with "quotes"',
  "two\nlines",
  "=1+1 looks like a formula",
  "ünïcødé ✓",
];

/**
 * `n` runs keyed `${prefix}-${i}`. `version` changes names, tags and metadata, so the same
 * keys with another version are updates.
 */
export function generateRuns(
  prefix: string,
  n: number,
  random: () => number,
  version = 0,
): ManifestRun[] {
  return Array.from({ length: n }, (_, i) => generateRun(`${prefix}-${i}`, i, random, version));
}

function generateRun(clientKey: string, i: number, random: () => number, version: number) {
  const run: ManifestRun = { clientKey, name: `Run ${i} v${version}` };
  const start = Date.UTC(2024, 0, 1) + i * 60_000;
  if (i % 5 !== 4) {
    run.startTime = new Date(start).toISOString().replace(".000Z", "Z");
    run.stopTime = new Date(start + 30_000 + version * 1000).toISOString();
  }
  // Runs with times get assets half the time (CreateAdhocRun); the rest are CreateRun.
  if (run.startTime !== undefined && i % 2 === 0) {
    run.assets = ASSETS.slice(0, 1 + (i % ASSETS.length)).map((a) => a.name);
  }
  if (random() < 0.8) run.description = DESCRIPTIONS[pickInt(random, 0, DESCRIPTIONS.length - 1)];
  if (random() < 0.7)
    run.tags = ["nightly", `v${version}`, `t${i % 7}`].slice(0, pickInt(random, 1, 3));
  if (random() < 0.3) run.isPinned = random() < 0.5;
  if (random() < 0.15) run.isArchived = random() < 0.5;
  if (random() < 0.7) {
    run.metadata = { campaign: `c${(i + version) % 13}` };
    if (random() < 0.6) run.metadata.altitude_m = (i * 7 + version) / 4;
    if (random() < 0.5) run.metadata.passed = (i + version) % 2 === 0;
  }
  return run;
}

const CSV_HEADER = [
  "clientKey",
  "name",
  "description",
  "startTime",
  "stopTime",
  "assets",
  "tags",
  "isPinned",
  "isArchived",
  "metadata.campaign",
  "metadata.altitude_m",
  "metadata.passed",
];

/** The runs as a CSV manifest (blank cell = not managed). */
export function toCsv(runs: readonly ManifestRun[]): string {
  const lines = [CSV_HEADER.join(",")];
  for (const run of runs) {
    const cells = [
      run.clientKey,
      run.name,
      run.description ?? "",
      run.startTime ?? "",
      run.stopTime ?? "",
      run.assets?.join(";") ?? "",
      // NOTE: a blank cell means "not managed", so an empty tag list cannot be said in CSV.
      run.tags && run.tags.length > 0 ? run.tags.join(";") : "",
      run.isPinned === undefined ? "" : String(run.isPinned),
      run.isArchived === undefined ? "" : run.isArchived ? "yes" : "no",
      run.metadata?.campaign ?? "",
      run.metadata?.altitude_m === undefined ? "" : String(run.metadata.altitude_m),
      run.metadata?.passed === undefined ? "" : String(run.metadata.passed),
    ];
    lines.push(cells.map(quoteCsv).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

function quoteCsv(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Runs as the emulator seed holds them (existing runs a manifest then updates or leaves). */
export function toSeedRuns(runs: readonly ManifestRun[]): SeedRun[] {
  return runs.map((run) => ({
    clientKey: run.clientKey,
    name: run.name,
    ...(run.description !== undefined && { description: run.description }),
    ...(run.startTime !== undefined && { startTime: run.startTime, stopTime: run.stopTime }),
    ...(run.assets !== undefined && { assetNames: run.assets }),
    ...(run.tags !== undefined && { tags: run.tags }),
    ...(run.isPinned !== undefined && { isPinned: run.isPinned }),
    ...(run.isArchived !== undefined && { isArchived: run.isArchived }),
    ...(run.metadata !== undefined && { metadata: run.metadata }),
  }));
}
