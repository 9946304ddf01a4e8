import { type Command, InvalidArgumentError, Option } from "commander";
import { UNICODE_MODES } from "../core/unicode.js";
import { CLIENT_KEY_CHECKS } from "../core/client-key.js";
import { type CsvDialect, MANIFEST_FORMATS, readCsvDialect } from "../manifest/light.js";
import type { CsvFlags } from "./flags.js";
import { type ChangeLimit, parseChangeLimit } from "../plan/guard.js";
import type { Shard } from "../plan/shard.js";

/** Flags shared by every command. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(["trace", "debug", "info", "warn", "error", "silent"])
        .default("warn"),
    )
    .addOption(
      new Option("--log-format <format>", "log format (json when stderr is not a TTY)").choices([
        "pretty",
        "json",
      ]),
    )
    .option("--no-progress", "never show the progress bar");
}

/** How to reach Sift: flags beat environment (SIFT_REST_URI, SIFT_API_KEY), which beats --profile. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option("--api-url <url>", "Sift REST API base URL (else $SIFT_REST_URI)")
    .option("--api-key <key>", "Sift API key (else $SIFT_API_KEY; prefer the environment)")
    .option("--profile <name>", "read rest_uri and apikey from sift-cli's sift.toml profile")
    .option("--local", "use the embedded emulator, state kept in .sift-local/")
    .option(
      "--ca-file <file>",
      "PEM file of CAs trusted for the API, on top of the system's and NODE_EXTRA_CA_CERTS (else $SIFT_CA_FILE)",
    )
    .option(
      "--timeout <seconds>",
      "how long one request may take before it is cut off and retried (default 30)",
      parsePositiveNumber,
    )
    .option(
      "--retries <n>",
      "retries of a request that got no answer or a 429/502/503/504 (default 7: 8 attempts)",
      parseCount,
    );
}

function parseCount(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError("expected a whole number ≥ 0");
  }
  return n;
}

/** Options of the sync itself, shared by plan and apply. */
export function addSyncOptions(cmd: Command): Command {
  return cmd
    .option("--concurrency <n>", "max HTTP requests in flight", parsePositiveInt, 8)
    .option("--max-rps <n>", "max requests per second", parsePositiveNumber)
    .addOption(
      new Option(
        "--mode <mode>",
        "upsert: create and update; create-only: never change an existing run; update-only: never create",
      )
        .choices(["upsert", "create-only", "update-only"])
        .default("upsert"),
    )
    .addOption(
      new Option("--metadata <mode>", "merge: keep other keys; replace: exactly the manifest's")
        .choices(["merge", "replace"])
        .default("merge"),
    )
    .option(
      "--ignore <fields>",
      "fields never compared nor written, e.g. startTime,stopTime",
      parseList,
    )
    .option(
      "--shard <k/n>",
      "only runs whose clientKey hashes to shard K of N (1-based)",
      parseShard,
    )
    .option(
      "--adopt-by <fields>",
      "adopt the one run without a clientKey that agrees on these fields (name, startTime, stopTime, metadata.<key>)",
      parseList,
    )
    .option(
      "--archive-missing",
      "archive the runs of --scope that no manifest holds; unarchive archived ones they hold",
    )
    .option(
      "--scope <cel>",
      "with --archive-missing: the runs this sync mirrors (a ListRuns filter)",
    )
    .option(
      "--max-archive <n|p%>",
      "with --archive-missing: refuse (exit 3) to archive more runs than this (default 10%)",
      parseCountOrPercent,
    )
    .option("--allow-empty", "with --archive-missing: archive even when the manifests hold no runs")
    .option(
      "--cache <dir>",
      "the sync cache: only rows changed in the manifests or in Sift are looked up (default .sift-run-sync/ in the working directory, or beside the sync config)",
    )
    .option("--no-cache", "neither read nor write the sync cache")
    .addOption(
      new Option(
        "--refresh <how>",
        "full: read every run from Sift this once, and rewrite the cache",
      )
        .choices(["auto", "full"])
        .default("auto"),
    )
    .option(
      "--refresh-every <duration>",
      "a full read when the cache's last one is older than this (90s, 12h, 7d; default 7d)",
      parseDuration,
    )
    .addOption(clientKeyCheckOption());
}

/**
 * `--client-key-check sift|off`: whether a new run's clientKey must follow Sift's rule
 * (plan, apply: such a create is invalid; validate: a warning). No default value here, so a
 * sync config's `options.clientKeyCheck` can apply when the flag is not given.
 */
export function clientKeyCheckOption(): Option {
  return new Option(
    "--client-key-check <rule>",
    "sift (default): a run to be created needs a clientKey Sift accepts (2-128 of a-z A-Z 0-9 _ ~ . -, alphanumeric at both ends); off: any key, for a Sift that accepts others",
  ).choices(CLIENT_KEY_CHECKS);
}

/** `90s`, `15m`, `12h`, `7d`: milliseconds. */
function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
  const n = Number(m?.[1]);
  if (!m || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(
      `expected a duration above zero such as 90s, 15m, 12h or 7d, got ${JSON.stringify(value)}${
        n === 0 ? " (--refresh full reads every run once)" : ""
      }`,
    );
  }
  return n * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
}

/** `25` or `10%`: a count, or a percentage of a whole. */
function parseCountOrPercent(value: string): { count: number } | { percent: number } {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  const n = Number(m?.[1]);
  if (
    !m ||
    !Number.isFinite(n) ||
    (m[2] === "" && !Number.isInteger(n)) ||
    n > (m[2] ? 100 : Infinity)
  ) {
    throw new InvalidArgumentError("expected a whole number (e.g. 25) or a percentage (e.g. 10%)");
  }
  return m[2] === "%" ? { percent: n } : { count: n };
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

export function parseList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError("expected K/N with 1 ≤ K ≤ N, e.g. 2/8");
  }
  return { index, count };
}

/** How CSV manifests on the command line are written: plan, apply and validate. */
export function addCsvOptions(cmd: Command): Command {
  return cmd
    .option(
      "--delimiter <char>",
      'CSV cell separator: auto (sniffed from the header), ",", ";", tab or "|"',
      checkDelimiter,
    )
    .option(
      "--encoding <name>",
      "text encoding of CSV and JSON Lines files, e.g. utf-8 (default), windows-1252, latin1, utf-16le (a BOM wins)",
      checkEncoding,
    )
    .addOption(
      new Option(
        "--stdin-format <format>",
        "what the path - (standard input) holds, and a pipe named without an extension (<(generate))",
      )
        .choices(MANIFEST_FORMATS)
        .default("csv"),
    )
    .addOption(
      // No default here: a sync config's `options: { unicode }` applies when the flag is not given.
      new Option(
        "--unicode <mode>",
        "nfc (default): read, compare and write text in Unicode NFC, as Sift holds it; keep: byte for byte",
      ).choices(UNICODE_MODES),
    );
}

/** The dialect the flags ask for (already checked by the option parsers). */
export function csvDialectOf(flags: CsvFlags): CsvDialect {
  const read = readCsvDialect({ delimiter: flags.delimiter, encoding: flags.encoding });
  if (!read.ok) throw new InvalidArgumentError(read.message);
  return read.dialect;
}

function checkDelimiter(value: string): string {
  const read = readCsvDialect({ delimiter: value });
  if (!read.ok) throw new InvalidArgumentError(read.message);
  return value;
}

function checkEncoding(value: string): string {
  const read = readCsvDialect({ encoding: value });
  if (!read.ok) throw new InvalidArgumentError(read.message);
  return value;
}

/** Guardrails and row selection for an unattended job, shared by plan and apply. */
export function addOperatorOptions(cmd: Command): Command {
  return cmd
    .option(
      "--skip-invalid",
      "report invalid runs (as failed) and go on with the valid ones; exit code still 1",
    )
    .option(
      "--max-changes <N|P%>",
      "refuse (exit 3, nothing written) a plan that creates+updates more runs than N, or P% of the manifests' runs",
      parseMaxChanges,
    )
    .option("--only <keys>", "only the runs with these clientKeys (comma-separated)", parseList)
    .option(
      "--retry-failed <results>",
      "only the runs failed or skipped in this results file of an earlier apply (.csv or .jsonl)",
    );
}

function parseMaxChanges(value: string): ChangeLimit {
  try {
    return parseChangeLimit(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
