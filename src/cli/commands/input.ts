import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { DEFAULT_CONFIG_FILE } from "../../sources/default-config.js";
import type { SyncConfig } from "../../sources/index.js";
import type { CliIo } from "../io.js";

/** What a command reads runs from: manifest paths, or the sources of a sync config. */
export interface Input {
  paths: string[];
  config?: SyncConfig;
}

/**
 * Paths, or `--config FILE`, or (given neither) `./sift-run-sync.yaml` when it exists.
 * Paths and --config together are a usage error: which would win is not obvious.
 */
export async function resolveInput(
  paths: string[],
  flags: { config?: string; delimiter?: string; encoding?: string },
  io: CliIo,
): Promise<Input> {
  const configFlag = flags.config;
  if (paths.length > 0 && configFlag !== undefined) {
    throw new UsageError("give either manifest paths or --config FILE, not both");
  }
  if (paths.length > 0) return { paths };
  const file =
    configFlag ?? (existsSync(join(io.cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
  if (file !== undefined) {
    // Loaded on use, like the pipeline: --help needs none of it.
    if (flags.delimiter !== undefined || flags.encoding !== undefined) {
      throw new UsageError(
        `--delimiter and --encoding are for manifest paths; with a sync config (${file}), set csv: { delimiter, encoding } on its sources`,
      );
    }
    const { loadSyncConfig } = await import("../../sources/index.js");
    return { paths, config: await loadSyncConfig(file, io.cwd) };
  }
  throw new UsageError(
    `give manifest paths (files or directories) or --config FILE, or put a ${DEFAULT_CONFIG_FILE} in this directory`,
  );
}

/** The config's `options`, for each option the command line did not set: flags win. */
export function applyConfigOptions(
  flags: Record<string, unknown>,
  config: SyncConfig | undefined,
  command: Command,
): void {
  if (config === undefined) return;
  for (const [name, value] of Object.entries(config.options)) {
    const given = command.getOptionValueSource(name);
    if (value !== undefined && given !== "cli" && given !== "env") flags[name] = value;
  }
}

export function addConfigOption(cmd: Command): Command {
  return cmd.option(
    "--config <file>",
    `read the sources of a sync config (default: ./${DEFAULT_CONFIG_FILE} when no paths are given)`,
  );
}
