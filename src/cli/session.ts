import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import type { LevelWithSilent } from "pino";
import { createLogger, type LogFormat, type Logger } from "../core/logger.js";
import { CA_FILE_ENV, loadCaFile, trustWith } from "../sift/ca.js";
import { createSiftClient, type SiftClient } from "../sift/client.js";
import {
  type Connection,
  type ConnectionOptions,
  describeConnection,
  resolveConnection,
} from "../sift/connection.js";
import { DEFAULT_RETRY, type RetryOptions } from "../sift/limits.js";
import { createNodeFetch } from "../sift/node-fetch.js";
import { describeProxyRoute, type ProxyRoute, resolveProxy } from "../sift/proxy.js";
import type { CliIo } from "./io.js";

/** Where `--local` keeps the embedded emulator's state, under the working directory. */
export const LOCAL_STATE_DIR = ".sift-local";
/** Assets and metadata keys the example manifests use, seeded on first `--local` use. */
const LOCAL_SEED = new URL("../../fixtures/local-seed.yaml", import.meta.url).pathname;
const LOCAL_API_KEY = "local";

/** How a command reaches Sift and logs: `--api-url`, `--concurrency`, `--log-level`, ... */
export interface SessionOptions extends ConnectionOptions {
  concurrency: number;
  maxRps?: number;
  /** `--ca-file FILE`: CAs trusted for the API on top of node's (else $SIFT_CA_FILE). */
  caFile?: string;
  /** `--timeout SECONDS`: per request (default 30). */
  timeout?: number;
  /** `--retries N`: retries after the first attempt (default 7). */
  retries?: number;
  logLevel: LevelWithSilent;
  logFormat?: LogFormat;
}

/** The keys of a session out of a command's flags (the flags hold many more). */
export function sessionOptionsOf(flags: SessionOptions): SessionOptions {
  const { apiUrl, apiKey, profile, local, concurrency, maxRps, caFile, timeout, retries } = flags;
  return {
    ...{ apiUrl, apiKey, profile, local, concurrency, maxRps, caFile, timeout, retries },
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
  };
}

export interface Session {
  client: SiftClient;
  /** What a saved plan records as its target: the API base URL, or `local`. */
  target: string;
  logger: Logger;
  /** `--local` only: creates assets the embedded emulator does not know, with a note. */
  createAssets?: (names: string[]) => Promise<Map<string, string>>;
  /** Where the API is, and where its URL and key came from (the key itself is not kept here). */
  connection:
    | Exclude<Connection, { kind: "remote" }>
    | Omit<Extract<Connection, { kind: "remote" }>, "apiKey">;
  /** The key's last 4 characters for display (`…a1b2`), or how long it is when shorter than 12. */
  keyHint: string;
  close(): Promise<void>;
}

/** How a command may shape its client beyond the options (doctor watches the wire, times out sooner). */
export interface SessionTuning {
  /** Wraps the default transport. */
  wrapFetch?: (base: typeof fetch) => typeof fetch;
  timeoutMs?: number;
  retry?: RetryOptions;
}

/** `…a1b2`: the last 4 characters of a key long enough that they reveal little. */
function hintKey(key: string): string {
  const chars = [...key];
  if (chars.length < 12) return `of ${chars.length} characters`;
  return `…${chars.slice(-4).join("")}`;
}

/** The logger of a command: pino JSON on a non-TTY stderr, never the key. */
function openLogger(
  options: Pick<SessionOptions, "logLevel" | "logFormat">,
  io: CliIo,
  secrets: string[],
): Logger {
  return createLogger({
    level: options.logLevel,
    format: options.logFormat,
    stream: io.stderr,
    isTTY: io.stderr.isTTY === true,
    secrets,
    color: io.stderr.isTTY === true && !io.env.NO_COLOR,
  });
}

/** `--timeout` and `--retries` as the client's options (unset: the client's defaults). */
function waitsOf(options: Pick<SessionOptions, "timeout" | "retries">): {
  timeoutMs?: number;
  retry?: { maxAttempts: number };
} {
  return {
    ...(options.timeout === undefined
      ? {}
      : { timeoutMs: Math.max(1, Math.round(options.timeout * 1000)) }),
    ...(options.retries === undefined ? {} : { retry: { maxAttempts: options.retries + 1 } }),
  };
}

/**
 * `SIFT_RUN_SYNC_BACKOFF_SCALE` (a number in (0, 1]): every backoff, and the cap on a
 * Retry-After, scaled by it, the number of attempts kept. For tests and emulators, so that a
 * scenario that waits out a whole retry budget takes a fraction of a second; unset, 1.
 */
const BACKOFF_SCALE_ENV = "SIFT_RUN_SYNC_BACKOFF_SCALE";

export function backoffOf(env: Record<string, string | undefined>): RetryOptions | undefined {
  const raw = env[BACKOFF_SCALE_ENV]?.trim();
  if (!raw) return undefined;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1)
    throw new UsageError(`${BACKOFF_SCALE_ENV}=${raw} is not a number in (0, 1]`);
  return {
    baseDelayMs: DEFAULT_RETRY.baseDelayMs * scale,
    maxDelayMs: DEFAULT_RETRY.maxDelayMs * scale,
    maxRetryAfterMs: DEFAULT_RETRY.maxRetryAfterMs * scale,
  };
}

/** `--ca-file FILE`, else $SIFT_CA_FILE, with where it came from. */
function caFileOf(
  options: Pick<SessionOptions, "caFile">,
  env: Record<string, string | undefined>,
): { path: string; source: string } | undefined {
  if (options.caFile !== undefined) return { path: options.caFile, source: "--ca-file" };
  const fromEnv = env[CA_FILE_ENV]?.trim();
  return fromEnv ? { path: fromEnv, source: CA_FILE_ENV } : undefined;
}

/**
 * How the command's requests reach the API: the proxy route (from io.env) and the extra CAs
 * of --ca-file / SIFT_CA_FILE (read and checked here: a bad file is a usage error).
 */
function networkOf(
  baseUrl: string,
  options: Pick<SessionOptions, "caFile">,
  io: Pick<CliIo, "env" | "cwd">,
): { route: ProxyRoute; ca?: string[]; caSource?: string } {
  const route = resolveProxy(baseUrl, io.env);
  const file = caFileOf(options, io.env);
  if (file === undefined) return { route };
  const ca = loadCaFile(resolve(io.cwd, file.path), file.source);
  return { route, ca, caSource: `${file.path} (from ${file.source})` };
}

/** Resolves where Sift is (flags > env > profile, or --local) and opens one client for the run. */
export async function openSession(
  options: SessionOptions,
  io: CliIo,
  tuning: SessionTuning = {},
): Promise<Session> {
  const secrets: string[] = [];
  const logger = openLogger(options, io, secrets);
  const connection = resolveConnection({ options, env: io.env });
  for (const warning of connection.warnings) logger.warn(warning);
  const network =
    connection.kind === "remote" ? networkOf(connection.baseUrl, options, io) : undefined;
  const proxy = network?.route.kind === "proxy" ? network.route.proxy : undefined;
  if (proxy?.password) secrets.push(proxy.password);
  const transport = {
    proxy,
    ca: network?.ca ? trustWith(network.ca, io.env) : undefined,
  };
  const waits = waitsOf(options);
  const backoff = backoffOf(io.env);
  const retry =
    backoff || waits.retry || tuning.retry
      ? { ...backoff, ...waits.retry, ...tuning.retry }
      : undefined;
  const pool = {
    concurrency: options.concurrency,
    maxRps: options.maxRps,
    logger,
    ...waits,
    ...(tuning.wrapFetch && { fetch: tuning.wrapFetch(createNodeFetch(transport)) }),
    ...(tuning.timeoutMs !== undefined && { timeoutMs: tuning.timeoutMs }),
    ...(retry && { retry }),
  };
  if (connection.kind === "local") {
    const dir = join(io.cwd, LOCAL_STATE_DIR);
    mkdirSync(dir, { recursive: true });
    const { startEmulator } = await import("../emulator/index.js");
    const emulator = await startEmulator({
      port: 0,
      apiKey: LOCAL_API_KEY,
      statePath: join(dir, "state.json"),
      seed: LOCAL_SEED,
    }).catch((error: unknown) => {
      // Another --local command in this directory holds the state, or the state is damaged.
      throw new UsageError(`--local: ${(error as Error).message}`, { cause: error });
    });
    logger.info({ url: emulator.url, state: dir }, "embedded emulator started");
    const client = createSiftClient({ baseUrl: emulator.url, apiKey: LOCAL_API_KEY, ...pool });
    const createAssets = async (names: string[]) => {
      const ids = new Map(names.map((name) => [name, `local-${randomUUID()}`]));
      emulator.load({ assets: [...ids].map(([name, assetId]) => ({ name, assetId })) });
      logger.warn(
        { assets: names, state: LOCAL_STATE_DIR },
        `--local: created ${names.length === 1 ? "an asset" : `${names.length} assets`} the local emulator did not know: ${names.join(", ")} (only in ${LOCAL_STATE_DIR}/, never in Sift: against Sift, unknown assets are an error)`,
      );
      return ids;
    };
    return {
      client,
      target: "local",
      logger,
      createAssets,
      connection,
      keyHint: hintKey(LOCAL_API_KEY),
      close: () => emulator.close(),
    };
  }
  secrets.push(connection.apiKey);
  logger.debug(
    {
      connection: describeConnection(connection),
      route: network ? describeProxyRoute(network.route) : undefined,
      caFile: network?.caSource,
    },
    "connecting",
  );
  const client = createSiftClient({
    baseUrl: connection.baseUrl,
    apiKey: connection.apiKey,
    urlSource: connection.source,
    env: io.env,
    proxy: network?.route,
    ca: network?.ca,
    ...pool,
  });
  const { apiKey, ...shown } = connection;
  return {
    client,
    target: connection.baseUrl,
    logger,
    connection: shown,
    keyHint: hintKey(apiKey),
    close: async () => {},
  };
}
