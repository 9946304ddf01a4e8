import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ApiError } from "../core/errors.js";
import { type CheckResult, result } from "./check.js";
import { formatCount, plural } from "../core/words.js";
import type { DoctorContext } from "./context.js";
import { resolveProxy } from "../sift/proxy.js";
import type { Exchange } from "./recorder.js";

/** Item 1 of `doctor`: where Sift is, how it is reached, how fast, and its clock. */

/** Round trips measured for the latency figures. */
const LATENCY_SAMPLES = 10;
/** Sift's clock this far from this machine's is worth a warning (the sync cache's mark). */
const CLOCK_WARN_SECONDS = 60;
/** The light request timed for latency: a lookup of one clientKey no run has. */
const LATENCY_FILTER = "client_key == 'srs-doctor-latency-probe'";

export function checkSource(
  ctx: Pick<DoctorContext, "baseUrl" | "local" | "urlSource" | "keySource" | "keyHint">,
  warnings: readonly string[],
): CheckResult {
  const base = { section: "connection", id: "connection.source", title: "Target" } as const;
  if (ctx.local) {
    return result(base, "ok", `the embedded emulator at ${ctx.baseUrl} (--local, .sift-local/)`);
  }
  const found = `${ctx.baseUrl} (URL from ${ctx.urlSource}; key ${ctx.keyHint} from ${ctx.keySource})`;
  if (warnings.length === 0) return result(base, "ok", found);
  return result(base, "warn", `${found}; ${warnings.join("; ")}`, {
    todo: "see the notes above; the sync itself is unaffected",
  });
}

export async function checkDns(ctx: Pick<DoctorContext, "baseUrl" | "env">): Promise<CheckResult> {
  const base = { section: "connection", id: "connection.dns", title: "DNS" } as const;
  const url = new URL(ctx.baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) return result(base, "ok", `${host} is an IP address: no lookup`);
  const proxied = proxyOf(url, ctx.env) !== undefined;
  const started = performance.now();
  try {
    const addresses = await lookup(host, { all: true });
    const ms = performance.now() - started;
    const shown = addresses.map((a) => a.address);
    return result(base, "ok", `${host} → ${shown.join(", ")} (${formatMs(ms)})`, {
      data: { addresses: shown, ms },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    if (proxied) {
      return result(base, "ok", `${host} does not resolve here (${code}); the proxy resolves it`);
    }
    return result(base, "fail", `${host} does not resolve (${code})`, {
      todo: "check the host name of the API URL, or this machine's DNS (a VPN may be needed)",
    });
  }
}

export function checkProxy(ctx: Pick<DoctorContext, "baseUrl" | "env">): CheckResult {
  const base = { section: "connection", id: "connection.proxy", title: "Proxy" } as const;
  // NOTE: the same route the client's transport takes (sift/proxy.ts).
  const route = resolveProxy(ctx.baseUrl, ctx.env);
  if (route.kind === "proxy") {
    const { display, variable } = route.proxy;
    return result(base, "ok", `through ${display} (from ${variable})`, {
      data: { proxy: display, source: variable },
    });
  }
  return result(base, "ok", `none: ${route.reason}`);
}

/** The proxy's display form (never its password), or undefined for a direct connection. */
export function proxyOf(url: URL, env: DoctorContext["env"]): string | undefined {
  const route = resolveProxy(url, env);
  return route.kind === "proxy" ? route.proxy.display : undefined;
}

export interface Latency {
  medianMs: number;
  p95Ms: number;
  samples: number;
}

/**
 * LATENCY_SAMPLES light GETs one after another: the first tells whether Sift answers at all.
 * Returns the check, and the latency when any answer came (a 401 is a round trip too).
 */
export async function checkLatency(
  ctx: Pick<DoctorContext, "client" | "recorder" | "signal">,
): Promise<{ check: CheckResult; latency?: Latency; reachable: boolean }> {
  const base = { section: "connection", id: "connection.latency", title: "Round trip" } as const;
  const from = ctx.recorder.exchanges.length;
  let unreachable: ApiError | undefined;
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    try {
      await ctx.client.listRuns({ filter: LATENCY_FILTER, pageSize: 1, signal: ctx.signal });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 0) {
        unreachable = error;
        break;
      }
      if (error.status === 401 || error.status === 403) break; // the key's checks say it
    }
  }
  const exchanges = ctx.recorder.exchanges.slice(from);
  const answered = exchanges.filter((e) => e.status !== 0);
  if (answered.length === 0) {
    const why = unreachable?.apiMessage ?? "no answer";
    return {
      reachable: false,
      check: result(base, "fail", `Sift does not answer: ${why}`, {
        todo: "check the API URL, the network path to it (VPN, firewall, proxy) and --timeout",
      }),
    };
  }
  const latency = measureLatency(answered);
  const throttled = answered.filter((e) => e.status === 429).length;
  const found = `median ${formatMs(latency.medianMs)}, p95 ${formatMs(latency.p95Ms)} over ${plural(latency.samples, "request")}`;
  const data = { ...latency, throttled, lost: exchanges.length - answered.length };
  if (throttled > 0) {
    return {
      reachable: true,
      latency,
      check: result(
        base,
        "warn",
        `${found}; ${formatCount(throttled)} of ${formatCount(answered.length)} answered 429 (rate limited) although sent one at a time`,
        {
          data,
          todo: "Sift limits this key's request rate: set --max-rps to stay below it, or spread the backfill",
        },
      ),
    };
  }
  if (answered.length < exchanges.length) {
    return {
      reachable: true,
      latency,
      check: result(base, "warn", `${found}; ${exchanges.length - answered.length} got no answer`, {
        data,
        todo: "the connection is unreliable: retries will slow the sync down",
      }),
    };
  }
  return { reachable: true, latency, check: result(base, "ok", found, { data }) };
}

function measureLatency(exchanges: readonly Pick<Exchange, "ms">[]): Latency {
  const sorted = exchanges.map((e) => e.ms).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const mid = sorted.length / 2;
  const medianMs =
    sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { medianMs, p95Ms: at(0.95), samples: sorted.length };
}

/** Sift's clock against this machine's, from the `Date` headers of the answers so far. */
export function checkClock(exchanges: readonly Exchange[]): CheckResult {
  const base = { section: "connection", id: "connection.clock", title: "Clock" } as const;
  const skews = exchanges
    .filter((e) => e.date !== undefined && !Number.isNaN(Date.parse(e.date)))
    // A Date header drops the fraction: its instant stands for the middle of its second.
    .map((e) => (Date.parse(e.date!) + 500 - e.localMidpoint) / 1000)
    .sort((a, b) => a - b);
  if (skews.length === 0) {
    return result(base, "warn", "Sift's answers carry no Date header: its clock is unknown", {
      todo: "a proxy may strip it; the sync cache's mark then relies on the runs' modifiedDate only",
    });
  }
  // A Date header has whole seconds: the skew is known to about ±1 s.
  const skew = skews[Math.floor(skews.length / 2)]!;
  const rounded = Math.round(skew);
  const side = rounded === 0 ? "" : rounded > 0 ? " ahead of" : " behind";
  const found =
    rounded === 0
      ? "Sift's clock agrees with this machine's (±1 s)"
      : `Sift's clock is ${plural(Math.abs(rounded), "second")}${side} this machine's (±1 s)`;
  const data = { skewSeconds: rounded };
  if (Math.abs(skew) > CLOCK_WARN_SECONDS) {
    return result(base, "warn", found, {
      data,
      todo: "set this machine's clock by NTP (or ask Sift's operators to): the sync cache marks time by Sift's clock, logs and results by this one",
    });
  }
  return result(base, "ok", found, { data });
}

/** `23 ms`, `1.4 s` */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
