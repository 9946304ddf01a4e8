import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir as osHomedir } from "node:os";
import { posix, win32 } from "node:path";
import { UsageError } from "../core/errors.js";

/**
 * smol-toml, loaded (its CommonJS build, synchronously) the first time a profile is read: every
 * plan and apply imports this file for `siftTomlPath`, few pass `--profile` (~5 ms of CPU).
 */
let toml: typeof import("smol-toml") | undefined;
function loadToml(): typeof import("smol-toml") {
  toml ??= createRequire(import.meta.url)("smol-toml") as typeof import("smol-toml");
  return toml;
}

/**
 * sift-cli's profiles file, `sift.toml`: top-level keys are the default profile, each TOML
 * table a named profile, with keys `rest_uri` and `apikey` (and gRPC ones we do not use).
 */

/** The name that selects the top-level keys when no table has that name. */
const DEFAULT_PROFILE = "default";

export interface Profile {
  restUri?: string;
  apiKey?: string;
}

/** Where sift-cli keeps sift.toml on this platform (its OS config directory). */
export function siftTomlPath(input: {
  platform?: NodeJS.Platform;
  homedir?: string;
  env: Record<string, string | undefined>;
}): string {
  const platform = input.platform ?? process.platform;
  const home = input.homedir ?? osHomedir();
  const { env } = input;
  if (platform === "win32") {
    return win32.join(env.APPDATA || win32.join(home, "AppData", "Roaming"), "sift.toml");
  }
  if (platform === "darwin") {
    return posix.join(home, "Library", "Application Support", "sift.toml");
  }
  return posix.join(env.XDG_CONFIG_HOME || posix.join(home, ".config"), "sift.toml");
}

/** Reads profile `name` from the file at `path`. Every problem is a UsageError naming the file. */
export function readProfile(
  path: string,
  name: string,
  readFile: (path: string) => string | undefined = readIfExists,
): Profile {
  const text = readFile(path);
  if (text === undefined) {
    throw new UsageError(`--profile ${name}: there is no ${path} (sift-cli's profiles file)`);
  }
  const doc = parseToml(path, text);
  const table = doc[name];
  if (isTable(table)) return readFields(path, name, table);
  if (name === DEFAULT_PROFILE && hasProfileKeys(doc)) return readFields(path, name, doc);
  const names = listProfiles(doc);
  const known = names.length > 0 ? `profiles there: ${names.join(", ")}` : "it has no profiles";
  throw new UsageError(`--profile ${name}: no such profile in ${path} (${known})`);
}

function parseToml(path: string, text: string): Record<string, unknown> {
  const { parse, TomlError } = loadToml();
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      // NOTE: smol-toml's message quotes the offending lines, which may hold an apikey:
      // keep only its first line, and do not chain the error.
      const reason = error.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "");
      throw new UsageError(`${path}:${error.line}:${error.column}: invalid TOML: ${reason}`);
    }
    throw new UsageError(`${path}: cannot read it as TOML`);
  }
}

function readFields(path: string, name: string, table: Record<string, unknown>): Profile {
  const profile: Profile = {};
  for (const [field, prop] of [
    ["rest_uri", "restUri"],
    ["apikey", "apiKey"],
  ] as const) {
    const value = table[field];
    if (value === undefined) continue;
    if (typeof value !== "string") {
      throw new UsageError(`${path}: profile ${name}: ${field} must be a string`);
    }
    profile[prop] = value;
  }
  return profile;
}

/** Named profiles (tables), and `default` when the top level holds profile keys. */
function listProfiles(doc: Record<string, unknown>): string[] {
  const names = Object.keys(doc).filter((k) => isTable(doc[k]));
  return hasProfileKeys(doc) && !names.includes(DEFAULT_PROFILE)
    ? [DEFAULT_PROFILE, ...names]
    : names;
}

function hasProfileKeys(table: Record<string, unknown>): boolean {
  return ["rest_uri", "apikey", "grpc_uri", "app_uri"].some((k) => table[k] !== undefined);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}
