import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { main } from "../../src/cli/main.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import { captureIo } from "../helpers/io.js";

export const SEED = {
  assets: [
    { name: "stand-a", assetId: "asset-a" },
    { name: "stand-b", assetId: "asset-b" },
    { name: "rig-7", assetId: "asset-7" },
  ],
  metadataKeys: [
    { name: "campaign", type: "string" as const },
    { name: "altitude_m", type: "number" as const },
    { name: "passed", type: "boolean" as const },
  ],
};

/** One emulator for the test file, on an ephemeral port. */
export function useEmulator(options: EmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: SEED, ...options });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return () => emulator!;
}

/** A fresh temporary directory with the given manifest files. */
export function manifestDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "srs-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs the CLI in-process against the emulator; returns exit code and output. */
export async function runCli(
  emulator: Emulator,
  args: string[],
  cwd = process.cwd(),
  apiKey = "local",
) {
  const io = captureIo({ SIFT_REST_URI: emulator.url, SIFT_API_KEY: apiKey }, cwd);
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** `plan --format json` parsed. */
export async function planJson(emulator: Emulator, args: string[]) {
  const result = await runCli(emulator, ["plan", ...args, "--format", "json"]);
  if (result.code === 1) throw new Error(`plan failed: ${result.stderr}`);
  return { ...result, plan: JSON.parse(result.stdout) as PlanJson };
}

export interface PlanJson {
  version: number;
  summary: { create: number; update: number; unchanged: number; invalid: number; warnings: number };
  changes: Array<{
    clientKey: string;
    action: string;
    source: string;
    runId?: string;
    updateMask?: string[];
    warnings: string[];
    fields: Array<{ field: string; before: unknown; after: unknown }>;
  }>;
}

/**
 * How many rows the sync cache took from an edited file by their lines, as its note at
 * `--log-level info` says (0 without the note).
 */
export function matchedLines(stderr: string): number {
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    const m = /^([\d,]+) rows? of \d+ edited manifest files? not parsed/.exec(
      (JSON.parse(line) as { msg: string }).msg,
    );
    if (m) return Number(m[1]!.replace(/,/g, ""));
  }
  return 0;
}
