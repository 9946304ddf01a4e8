import { BlockList, isIP } from "node:net";
import { UsageError } from "../core/errors.js";

/**
 * Which proxy a request to the API goes through, read from the environment as curl, npm and
 * undici read it:
 *
 * - an `https:` URL uses `https_proxy` or `HTTPS_PROXY`, else `http_proxy` or `HTTP_PROXY`
 *   (npm and undici fall back to the HTTP proxy; a proxy set for one is nearly always the
 *   proxy for both); an `http:` URL uses `http_proxy` or `HTTP_PROXY`. The lower-case form
 *   wins when both are set (curl's rule). An empty value is unset.
 * - `no_proxy`/`NO_PROXY` (comma- or space-separated) lists what goes direct: `*` (everything),
 *   a host name (`api.corp`, matching it and its subdomains; `.corp` and `*.corp` mean the same
 *   as `corp`), an IP address, a CIDR range (`10.0.0.0/8`), each optionally with `:port`.
 * - loopback (`localhost`, `*.localhost`, 127.0.0.0/8, ::1) is never proxied.
 *
 * The proxy's user name and password (`http://user:pass@proxy:3128`) are sent as
 * `Proxy-Authorization: Basic` and never shown: `display` has neither.
 */

export interface Proxy {
  /** The proxy's URL, credentials included: never log it (use `display`). */
  url: URL;
  /** `http://proxy.corp:3128`: scheme, host and port, never the user name or password. */
  display: string;
  /** The variable it came from: `HTTPS_PROXY`, `http_proxy`... */
  variable: string;
  /** `Basic ...` when the URL holds a user name; sent as Proxy-Authorization. */
  authorization?: string;
  /** The password (decoded), for the logger's redaction list; absent without one. */
  password?: string;
}

/** How requests to one URL go: through a proxy, or direct (and why). */
export type ProxyRoute =
  | { kind: "proxy"; proxy: Proxy }
  | {
      kind: "direct";
      /** `no proxy variable is set`, `loopback is never proxied`, `NO_PROXY matches .corp`. */
      reason: string;
    };

export type Env = Record<string, string | undefined>;

/**
 * @example
 * resolveProxy("https://api.siftstack.com", { HTTPS_PROXY: "http://u:p@proxy:3128" })
 * // { kind: "proxy", proxy: { display: "http://proxy:3128", variable: "HTTPS_PROXY", authorization: "Basic dTpw", ... } }
 */
export function resolveProxy(target: string | URL, env: Env): ProxyRoute {
  const url = typeof target === "string" ? new URL(target) : target;
  const chosen = pickProxyVariable(url.protocol, env);
  if (chosen === undefined) return { kind: "direct", reason: "no proxy variable is set" };
  const hostname = bareHostname(url.hostname);
  if (isLoopbackHost(hostname)) return { kind: "direct", reason: "loopback is never proxied" };
  const noProxy = pickVariable(["no_proxy", "NO_PROXY"], env);
  if (noProxy !== undefined) {
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const entry = matchNoProxy(noProxy.value, hostname, port);
    if (entry !== undefined) {
      return { kind: "direct", reason: `${noProxy.variable} holds ${entry}` };
    }
  }
  return { kind: "proxy", proxy: parseProxy(chosen.value, chosen.variable) };
}

/** The proxy URL of `variable`, checked: http:// or https://; no scheme means http://. */
export function parseProxy(value: string, variable: string): Proxy {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `${variable}: ${JSON.stringify(hidePassword(value))} is not a proxy URL (expected e.g. http://proxy.example.com:3128)`,
    );
  }
  const display = `${url.protocol}//${url.host}`;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(
      `${variable}: ${display} is a ${url.protocol.slice(0, -1)} proxy; only http:// and https:// proxies are supported`,
    );
  }
  const proxy: Proxy = { url, display, variable };
  if (url.username !== "" || url.password !== "") {
    const user = safeDecode(url.username);
    const password = safeDecode(url.password);
    proxy.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    if (password !== "") proxy.password = password;
  }
  return proxy;
}

/** `proxy http://proxy.corp:3128 (from HTTPS_PROXY)`, or `direct (NO_PROXY holds .corp)`. */
export function describeProxyRoute(route: ProxyRoute): string {
  return route.kind === "proxy"
    ? `proxy ${route.proxy.display} (from ${route.proxy.variable})`
    : `direct (${route.reason})`;
}

/**
 * The `NO_PROXY` entry that sends `hostname:port` direct, as written, or undefined.
 * @example matchNoProxy("localhost,.corp.example:8443", "api.corp.example", 8443) // ".corp.example:8443"
 */
export function matchNoProxy(list: string, hostname: string, port: number): string | undefined {
  const host = bareHostname(hostname).toLowerCase();
  const ip = isIP(host);
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim();
    if (entry === "") continue;
    if (entry === "*") return entry;
    const parsed = splitEntry(entry.toLowerCase());
    if (parsed.port !== undefined && parsed.port !== port) continue;
    const pattern = parsed.host;
    if (pattern === "") continue;
    if (pattern.includes("/")) {
      if (ip !== 0 && inCidr(host, ip, pattern)) return entry;
      continue;
    }
    if (isIP(pattern) !== 0) {
      if (ip !== 0 && sameAddress(host, pattern)) return entry;
      continue;
    }
    const domain = pattern.replace(/^\*?\.+/, "");
    if (domain === "") continue;
    if (host === domain || host.endsWith(`.${domain}`)) return entry;
  }
  return undefined;
}

/** `localhost`, `x.localhost`, 127.0.0.0/8, ::1 (also as ::ffff:127.x). */
export function isLoopbackHost(hostname: string): boolean {
  const host = bareHostname(hostname).toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return LOOPBACK.check(host, "ipv6");
  return false;
}

/** The value with the password of a URL's credentials blanked: `http://u:***@h`. */
export function hidePassword(text: string): string {
  return text.replace(/(\/\/[^/@:\s]*):[^/@\s]*@/g, "$1:***@");
}

const LOOPBACK = new BlockList();
LOOPBACK.addAddress("::1", "ipv6");
LOOPBACK.addSubnet("::ffff:127.0.0.0", 104, "ipv6");

function pickProxyVariable(protocol: string, env: Env) {
  if (protocol === "https:") {
    return (
      pickVariable(["https_proxy", "HTTPS_PROXY"], env) ??
      pickVariable(["http_proxy", "HTTP_PROXY"], env)
    );
  }
  if (protocol === "http:") return pickVariable(["http_proxy", "HTTP_PROXY"], env);
  return undefined;
}

function pickVariable(names: string[], env: Env): { variable: string; value: string } | undefined {
  for (const variable of names) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

/** `[::1]` → `::1`; `host.` → `host`. */
function bareHostname(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

/** `host:8080` → host and port; `[::1]:8080`, `::1` (no port: an IPv6 address), `10.0.0.0/8`. */
function splitEntry(entry: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, port: toPort(bracketed[2]) };
  if (isIP(entry) === 6 || (entry.includes("/") && entry.split(":").length > 2)) {
    return { host: entry };
  }
  const m = /^(.*):(\d+)$/.exec(entry);
  if (m) return { host: bareHostname(m[1]!), port: toPort(m[2]) };
  return { host: bareHostname(entry) };
}

function toPort(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

function inCidr(host: string, family: number, cidr: string): boolean {
  const [network = "", bits = ""] = cidr.split("/");
  const prefix = Number(bits);
  const netFamily = isIP(network);
  if (netFamily === 0 || !Number.isInteger(prefix) || prefix < 0) return false;
  const type = netFamily === 4 ? "ipv4" : "ipv6";
  if (prefix > (netFamily === 4 ? 32 : 128)) return false;
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return list.check(host, family === 4 ? "ipv4" : "ipv6");
}

function sameAddress(a: string, b: string): boolean {
  const list = new BlockList();
  list.addAddress(b, isIP(b) === 4 ? "ipv4" : "ipv6");
  return list.check(a, isIP(a) === 4 ? "ipv4" : "ipv6");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
