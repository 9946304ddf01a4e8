import { type Command, InvalidArgumentError, Option } from "commander";
import { CLIENT_KEY_CHECKS, type ClientKeyCheck } from "../../core/client-key.js";
import { UsageError } from "../../core/errors.js";
import {
  DEFAULT_API_KEY,
  DEFAULT_HOST,
  DEFAULT_MAX_ANSWER_BYTES,
  DEFAULTS_MODES,
  type DefaultsMode,
  type Emulator,
  type EmulatorOptions,
  FAULT_KINDS,
  type FaultKind,
} from "../../emulator/types.js";
import type { CommandContext } from "../context.js";
import { parseList, parsePositiveNumber } from "../options.js";

interface EmulatorFlags {
  port: number;
  host: string;
  apiKey: string;
  readOnlyApiKey?: string;
  state?: string;
  stateSync: "write" | "disk";
  seed?: string;
  latency?: number;
  faultRate?: number;
  faultSeed?: number;
  faultKinds?: string[];
  rps?: number;
  retryAfter: number | "none";
  defaults: DefaultsMode;
  strict?: boolean;
  maxAnswerBytes: number;
  validateFilter: boolean;
  clientKeyCheck: ClientKeyCheck;
}

/**
 * `emulator`: serves the local Sift API until Ctrl-C / SIGTERM, then closes cleanly. The
 * first stdout line is `Sift emulator listening on http://HOST:PORT`, so scripts can read
 * the port when it was 0.
 */
export function registerEmulator(cmd: Command, ctx: CommandContext): void {
  // None of the common options (--log-level, --log-format, --no-progress): the emulator logs
  // nothing and shows no progress, and its --help offers only what means something here.
  cmd
    .option("--port <n>", "port to listen on; 0 picks a free one", parsePort, 0)
    .option("--host <host>", "address to listen on", DEFAULT_HOST)
    .option("--api-key <key>", "the bearer key clients must send", DEFAULT_API_KEY)
    .option(
      "--read-only-api-key <key>",
      "a second key that may read but whose every write is answered 403 (a viewer's key)",
    )
    .option(
      "--state <file>",
      "keep state in FILE (a snapshot) and FILE.journal (each write, written before its answer)",
    )
    .option(
      "--state-sync <write|disk>",
      "answer a write once its journal lines are written (survives a killed emulator) or on disk (survives a machine crash too; slower)",
      parseStateSync,
      "write",
    )
    .option("--seed <file>", "YAML/JSON assets, metadataKeys and runs, applied to an empty state")
    .option("--latency <ms>", "delay every request by this many milliseconds", parseNonNegative)
    .option("--fault-rate <p>", "probability (0..1) of an injected fault per request", parseRate)
    .option("--fault-seed <n>", "seed of the fault sequence (reproducible faults)", parseInteger)
    .option("--fault-kinds <kinds>", `faults to pick from: ${FAULT_KINDS.join(",")}`, parseKinds)
    .option("--rps <n>", "answer 429 above this many requests per second", parsePositiveNumber)
    .option(
      "--retry-after <none|seconds>",
      "Retry-After header of 429 answers (--rps, rate-limited fault); none sends no header, as Sift",
      parseRetryAfter,
      "none",
    )
    .option(
      "--defaults <emit|omit>",
      "emit default values in answers (grpc-gateway v2's default) or omit them",
      parseDefaults,
      "emit",
    )
    .option("--strict", "answer 400 to unknown request fields instead of discarding them")
    .option(
      "--max-answer-bytes <n>",
      "refuse answers larger than N bytes as Sift does (429, code 8, gRPC's message size error)",
      parsePositiveInteger,
      DEFAULT_MAX_ANSWER_BYTES,
    )
    .option(
      "--no-validate-filter",
      "act like a Sift deployment older than runs:validateFilter (404 for it)",
    )
    .addOption(
      new Option(
        "--client-key-check <rule>",
        "sift: refuse creates whose clientKey breaks Sift's rule (400, as Sift); off: accept any key",
      )
        .choices(CLIENT_KEY_CHECKS)
        .default("sift"),
    )
    .action(async (flags: EmulatorFlags) => {
      const emulator = await start(toOptions(flags));
      // Listen for Ctrl-C before announcing the URL: a script may stop us as soon as it reads it.
      const interrupted = waitForInterrupt(ctx);
      ctx.io.stdout.write(`Sift emulator listening on ${emulator.url}\n`);
      await interrupted;
      await emulator.close();
    });
}

function toOptions(flags: EmulatorFlags): EmulatorOptions {
  return {
    port: flags.port,
    host: flags.host,
    apiKey: flags.apiKey,
    readOnlyApiKey: flags.readOnlyApiKey,
    statePath: flags.state,
    stateSync: flags.stateSync,
    seed: flags.seed,
    latencyMs: flags.latency,
    faultRate: flags.faultRate,
    faultSeed: flags.faultSeed,
    faultKinds: flags.faultKinds as FaultKind[] | undefined,
    rps: flags.rps,
    retryAfterSeconds: flags.retryAfter,
    defaults: flags.defaults,
    strict: flags.strict,
    maxAnswerBytes: flags.maxAnswerBytes,
    validateFilter: flags.validateFilter,
    clientKeyCheck: flags.clientKeyCheck,
  };
}

/** A port in use, a bad seed or state file: a message, exit 1. */
async function start(options: EmulatorOptions): Promise<Emulator> {
  try {
    // Loaded on use: the other commands need none of the emulator.
    const { startEmulator } = await import("../../emulator/index.js");
    return await startEmulator(options);
  } catch (error) {
    throw new UsageError(`emulator: ${(error as Error).message}`, { cause: error });
  }
}

function waitForInterrupt(ctx: CommandContext): Promise<void> {
  return new Promise((resolve) => {
    const stop = ctx.io.onInterrupt?.(() => {
      stop?.();
      resolve();
    });
  });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError("expected a port number 0..65535");
  }
  return n;
}

function parseNonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError("expected a number ≥ 0");
  }
  return n;
}

function parseRate(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n >= 0 && n <= 1)) {
    throw new InvalidArgumentError("expected a probability between 0 and 1");
  }
  return n;
}

function parseInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("expected a whole number");
  }
  return n;
}

function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError("expected a whole number > 0");
  }
  return n;
}

function parseRetryAfter(value: string): number | "none" {
  if (value === "none") return "none";
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError("expected none or a whole number of seconds ≥ 0");
  }
  return n;
}

function parseStateSync(value: string): "write" | "disk" {
  if (value !== "write" && value !== "disk")
    throw new InvalidArgumentError("expected write or disk");
  return value;
}

function parseDefaults(value: string): DefaultsMode {
  if (!DEFAULTS_MODES.includes(value as DefaultsMode)) {
    throw new InvalidArgumentError("expected emit or omit");
  }
  return value as DefaultsMode;
}

function parseKinds(value: string): string[] {
  const kinds = parseList(value);
  const unknown = kinds.find((k) => !FAULT_KINDS.includes(k as FaultKind));
  if (unknown !== undefined || kinds.length === 0) {
    throw new InvalidArgumentError(`expected some of ${FAULT_KINDS.join(", ")}`);
  }
  return kinds;
}
