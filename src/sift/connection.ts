import { UsageError } from "../core/errors.js";
import { redactSecrets } from "../core/logger.js";
import { readProfile, siftTomlPath } from "./sift-toml.js";

/**
 * Where the API is and which key to use. Per field: the options (the CLI's flags) beat the environment
 * (SIFT_REST_URI, SIFT_API_KEY), which beats `--profile` (sift-cli's sift.toml).
 */

/** What the caller gives (the CLI: `--api-url`, `--api-key`, `--profile`, `--local`). */
export interface ConnectionOptions {
  apiUrl?: string;
  apiKey?: string;
  profile?: string;
  local?: boolean;
}

export interface ConnectionInput {
  options: ConnectionOptions;
  env: Record<string, string | undefined>;
  /** `process.platform` by default. */
  platform?: NodeJS.Platform;
  /** `os.homedir()` by default. */
  homedir?: string;
  /** Reads sift.toml; `undefined` when the file does not exist. Default: fs. */
  readFile?: (path: string) => string | undefined;
}

export type Connection =
  | { kind: "local"; warnings: string[] }
  | {
      kind: "remote";
      /** Parsed, without a trailing slash. */
      baseUrl: string;
      apiKey: string;
      /** Where the URL came from: `--api-url`, `SIFT_REST_URI`, `profile staging`. */
      source: string;
      /** Where the key came from, same vocabulary. */
      keySource: string;
      /** Things to tell the user (at warn level), never containing the key. */
      warnings: string[];
    };

/** What node:http refuses in a header value (its `checkInvalidHeaderChar`). */
const UNSENDABLE_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;

const HOW_TO_CONNECT =
  "set --api-url (or SIFT_REST_URI) with SIFT_API_KEY, or --profile NAME (sift-cli's sift.toml), or --local for the embedded emulator";

/**
 * @example
 * const conn = resolveConnection({ options: { apiUrl: "https://api.siftstack.com" }, env: process.env });
 * // { kind: "remote", baseUrl: "https://api.siftstack.com", apiKey: "...", source: "--api-url", ... }
 */
export function resolveConnection(input: ConnectionInput): Connection {
  const { options, env } = input;
  const warnings: string[] = [];
  if (options.local) {
    if (options.apiUrl !== undefined)
      throw new UsageError("--local and --api-url cannot be combined");
    if (options.profile !== undefined)
      throw new UsageError("--local and --profile cannot be combined");
    if (options.apiKey !== undefined) warnings.push("--api-key is ignored with --local");
    return { kind: "local", warnings };
  }
  const profile =
    options.profile === undefined
      ? undefined
      : readProfile(siftTomlPath(input), options.profile, input.readFile);
  const url = pick([
    ["--api-url", options.apiUrl],
    ["SIFT_REST_URI", env.SIFT_REST_URI],
    [`profile ${options.profile}`, profile?.restUri],
  ]);
  const key = pick([
    ["--api-key", options.apiKey],
    ["SIFT_API_KEY", env.SIFT_API_KEY],
    [`profile ${options.profile}`, profile?.apiKey],
  ]);
  if (!url && !key) throw new UsageError(`no Sift API to talk to: ${HOW_TO_CONNECT}`);
  if (!url)
    throw new UsageError(`no API URL (the key came from ${key?.source}): ${HOW_TO_CONNECT}`);
  if (!key) {
    throw new UsageError(
      `no API key for ${url.value}: set SIFT_API_KEY (or --api-key, or --profile NAME)`,
    );
  }
  if (UNSENDABLE_IN_HEADER.test(key.value)) {
    // Checked here: sent anyway, each request fails as "cannot reach" and is retried in vain.
    throw new UsageError(
      `the API key from ${key.source} holds a line break, a control character or a character beyond Latin-1, which an HTTP header cannot carry: check it was copied whole`,
    );
  }
  if (key.source === "--api-key") {
    warnings.push(
      "the API key was given with --api-key, where other users of this machine can see it in the process list; prefer SIFT_API_KEY",
    );
  }
  for (const [field, chosen, fromProfile] of [
    ["rest_uri", url, profile?.restUri],
    ["apikey", key, profile?.apiKey],
  ] as const) {
    if (fromProfile !== undefined && !chosen.source.startsWith("profile")) {
      warnings.push(`${chosen.source} overrides ${field} of profile ${options.profile}`);
    }
  }
  const baseUrl = checkBaseUrlKeepingKey(url.value, url.source, key.value);
  const apiPath = API_PATH.exec(new URL(baseUrl).pathname);
  if (apiPath) {
    warnings.push(
      `${url.source}: ${baseUrl} holds the API path ${new URL(baseUrl).pathname}: the base URL is the server's root (${new URL(baseUrl).origin}); requests go to ${baseUrl}/api/v2/runs`,
    );
  }
  return {
    kind: "remote",
    baseUrl,
    apiKey: key.value,
    source: url.source,
    keySource: key.source,
    warnings,
  };
}

/** checkBaseUrl, with the key blanked out of its message (in case the two were swapped). */
function checkBaseUrlKeepingKey(text: string, source: string, apiKey: string): string {
  try {
    return checkBaseUrl(text, source);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(redactSecrets(error.message, [apiKey]));
  }
}

/** A one-line description that is safe to print or log: never the key. */
export function describeConnection(connection: Connection): string {
  if (connection.kind === "local") return "the local emulator (.sift-local/)";
  return `${connection.baseUrl} (URL from ${connection.source}, key from ${connection.keySource})`;
}

/** The first non-empty value with where it came from. */
function pick(
  candidates: [string, string | undefined][],
): { source: string; value: string } | undefined {
  for (const [source, value] of candidates) {
    if (value !== undefined && value.trim() !== "") return { source, value: value.trim() };
  }
  return undefined;
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);
/** A path segment `api`: the URL holds an API path, where the server's root was meant. */
const API_PATH = /(^|\/)api(\/|$)/i;

/**
 * The base URL, checked: it parses, it is https (or http to this machine only: a key sent
 * over plain http to another host can be read on the way), it has no credentials, query
 * or fragment. A URL without a scheme means https. The trailing slash is dropped.
 */
function checkBaseUrl(text: string, source: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(
      `${source}: ${JSON.stringify(text)} is not a URL (expected e.g. https://api.siftstack.com)`,
    );
  }
  const where = `${source}: ${url.protocol}//${url.host}`;
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`${where}: only https:// URLs are supported`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new UsageError(
      `${where}: plain http:// is only accepted for this machine (localhost, 127.0.0.1, ::1); use https://`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError(`${source}: the URL must not hold a user name or password`);
  }
  if (url.search || url.hash) {
    throw new UsageError(`${where}: the URL must not have a query or fragment`);
  }
  return (url.origin + url.pathname).replace(/\/+$/, "");
}

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
