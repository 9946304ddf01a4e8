import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../../core/errors.js";
import type { FileIdentity } from "../../manifest/index.js";
import { siftTomlPath } from "../../sift/sift-toml.js";
import type { SyncConfig } from "../../sources/index.js";
import type { CliIo } from "../io.js";
import { LOCAL_STATE_DIR } from "../session.js";

/** A file a command writes: `--results FILE`, `--out FILE`. */
export interface OutputFile {
  flag: string;
  path: string;
}

/** A file a command reads, as a message names it: `the manifest runs.csv`. */
interface InputFile {
  path: string;
  what: string;
}

/** What plan, apply and export read besides Sift: each may be the target of an output. */
export interface CommandInputs {
  paths?: readonly string[];
  syncConfig?: SyncConfig;
  /** `apply --plan FILE`. */
  plan?: string;
  /** `--retry-failed RESULTS`. */
  retryFailed?: string;
  /** `--profile NAME`: sift.toml is read. */
  profile?: string;
  /** `--local`: the embedded emulator's state under the working directory. */
  local?: boolean;
}

/**
 * An output never overwrites an input: a `--results` or `--out` path that is, or resolves to
 * (a symlink, a hard link, `..`), a file this command reads — a manifest, the sync config or
 * one of its sources, the saved plan being applied, the results file being retried — is a
 * UsageError naming both, raised before anything is written. Files are compared by identity
 * (device and inode), so every path that leads to the file counts. A path that does not exist
 * yet is fine, and so is one of the tool's own files in a manifest directory (yesterday's
 * results), which the command skips rather than reads.
 */
export async function refuseOverwritingInputs(
  outputs: readonly (OutputFile | undefined)[],
  inputs: CommandInputs,
  io: Pick<CliIo, "cwd" | "env" | "stdoutFile" | "stdinFile">,
): Promise<void> {
  const existing: { output: OutputFile; id: FileIdentity }[] = [];
  for (const output of outputs) {
    if (output === undefined) continue;
    const id = await identityOf(resolve(io.cwd, output.path));
    if (id !== undefined) existing.push({ output, id });
  }
  if (existing.length === 0) return; // nothing there yet: nothing to overwrite
  for (const input of await listInputs(inputs, io)) {
    const id = input.path === STDIN ? io.stdinFile : await identityOf(resolve(io.cwd, input.path));
    if (id === undefined) continue;
    const hit = existing.find((e) => e.id.dev === id.dev && e.id.ino === id.ino);
    if (hit === undefined) continue;
    const { flag, path } = hit.output;
    const same = input.path !== STDIN && resolve(io.cwd, path) === resolve(io.cwd, input.path);
    const how = same ? "" : ` (${path} is that file, through a link or another path)`;
    throw new UsageError(
      `${flag} ${path} would overwrite ${input.what}${how}, which this command reads; nothing was written: choose another file for ${flag}`,
    );
  }
}

/** Standard input, when it is a file (`apply - --results runs.csv < runs.csv`). */
const STDIN = "\0stdin";

async function listInputs(
  inputs: CommandInputs,
  io: Pick<CliIo, "cwd" | "env" | "stdoutFile">,
): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const { syncConfig } = inputs;
  // A saved plan's manifests are not read by `apply --plan`, but they are the user's sources
  // all the same (as the plan recorded them, relative to where it was made).
  const paths = inputs.plan === undefined ? (inputs.paths ?? []) : await manifestsOf(inputs.plan);
  if (paths.includes("-")) files.push({ path: STDIN, what: "standard input" });
  const named = paths.filter((p) => p !== "-");
  if (named.length > 0) {
    const { expandPaths } = await import("../../manifest/index.js");
    // NOTE: no exclusions: the question is what the command would read if the output were
    // not there. The tool's own files of earlier runs are not read, so they may be replaced.
    const manifests = await expandPaths(named, { cwd: io.cwd, stdoutFile: io.stdoutFile }).catch(
      () => named, // a missing path is reported by the command itself
    );
    for (const file of manifests) files.push({ path: file, what: `the manifest ${file}` });
  }
  if (syncConfig !== undefined) {
    files.push({ path: syncConfig.file, what: `the sync config ${syncConfig.file}` });
    const { expandSources } = await import("../../sources/index.js");
    const sources = await expandSources(syncConfig, {
      cwd: io.cwd,
      stdoutFile: io.stdoutFile,
    }).catch(() => []);
    for (const source of sources) {
      files.push({
        path: source.path,
        what: `${source.file}, a source of ${syncConfig.file} sources[${source.source.index}]`,
      });
    }
  }
  if (inputs.plan !== undefined) {
    files.push({ path: inputs.plan, what: `the saved plan ${inputs.plan} being applied` });
  }
  if (inputs.retryFailed !== undefined) {
    const what = `the results file ${inputs.retryFailed} of --retry-failed`;
    files.push({ path: inputs.retryFailed, what });
  }
  if (inputs.profile !== undefined) {
    const toml = siftTomlPath({ env: io.env });
    files.push({ path: toml, what: `sift-cli's profile file ${toml}` });
  }
  if (inputs.local) {
    const state = join(io.cwd, LOCAL_STATE_DIR, "state.json");
    files.push({ path: state, what: `the --local emulator's state ${LOCAL_STATE_DIR}/state.json` });
    files.push({ path: `${state}.journal`, what: `the --local emulator's journal` });
  }
  return files;
}

async function manifestsOf(plan: string): Promise<string[]> {
  // NOTE: a pipe (`--plan <(...)`) can be read once, by the apply: its manifests stay unknown.
  if ((await stat(plan).catch(() => undefined))?.isFile() !== true) return [];
  try {
    const { openPlanFile } = await import("../../report/plan-file.js");
    const opened = await openPlanFile(plan);
    opened.close();
    return opened.head.manifests.filter((p) => p !== "-");
  } catch {
    return []; // a broken plan is reported by the command itself
  }
}

async function identityOf(path: string): Promise<FileIdentity | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? undefined : { dev: info.dev, ino: info.ino };
}
