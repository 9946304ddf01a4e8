import { type CheckResult, result } from "./check.js";
import { formatCount, plural } from "../core/words.js";
import { formatMs } from "./connection-checks.js";

/**
 * Item 5 of `doctor`: how long a cold backfill of N runs takes at the measured latency, and
 * what the nightly no-op costs. Pure arithmetic over what was measured:
 *
 *   requests = N creates + follow-ups + ⌈N / batch⌉ lookups + the asset and key lookups
 *   T = max(⌈requests / concurrency⌉ × latency, requests / max-rps)
 *
 * with the writes timed apart when the write probe measured them (reads and writes then each
 * take their own ⌈count / concurrency⌉ rounds).
 *
 * NOTE: a bound for an API that answers each request in `latency` whatever the load; a Sift
 * that slows down under load, or throttles below --max-rps, takes longer (doctor says so).
 */

export interface EstimateInput {
  /** Runs to create. */
  runs: number;
  /** clientKeys per lookup request (what one URL holds). */
  lookupBatch: number;
  /** The round trip of one request (the measured median). */
  latencyMs: number;
  /** The round trip of a write, when the write probe timed some (else `latencyMs`). */
  writeLatencyMs?: number;
  concurrency: number;
  maxRps?: number;
  /** Creates that need an UpdateRun after (the follow-up fields of run-fields.ts). */
  followUps?: number;
  /** Asset and metadata key lookups (a few). */
  nameLookups?: number;
}

export interface Estimate {
  requests: number;
  lookups: number;
  seconds: number;
  /** What bounds T: the round trips at this concurrency, or the request rate. */
  boundBy: "latency" | "rate";
}

export function estimateBackfill(input: EstimateInput): Estimate {
  const lookups = Math.ceil(input.runs / Math.max(1, input.lookupBatch)) + (input.nameLookups ?? 0);
  const requests = input.runs + (input.followUps ?? 0) + lookups;
  const writes = input.runs + (input.followUps ?? 0);
  const rounds = (n: number) => Math.ceil(n / input.concurrency);
  const byLatency =
    input.writeLatencyMs === undefined
      ? (rounds(requests) * input.latencyMs) / 1000
      : (rounds(lookups) * input.latencyMs + rounds(writes) * input.writeLatencyMs) / 1000;
  const byRate = input.maxRps === undefined ? 0 : requests / input.maxRps;
  return {
    requests,
    lookups,
    seconds: Math.max(byLatency, byRate),
    boundBy: byRate > byLatency ? "rate" : "latency",
  };
}

/** The nightly run when nothing changed, without a sync cache: lookups only, no write. */
export function nightlyRequests(
  input: Pick<EstimateInput, "runs" | "lookupBatch" | "nameLookups">,
): number {
  return Math.ceil(input.runs / Math.max(1, input.lookupBatch)) + (input.nameLookups ?? 0);
}

/**
 * The same night with a warm sync cache: the asset and key lookups, the organization's oldest
 * run and one page of the runs changed in Sift since the last sync, whatever the runs' number.
 */
export function warmNightlyRequests(input: Pick<EstimateInput, "nameLookups">): number {
  return (input.nameLookups ?? 0) + 2;
}

export function estimateCheck(input: EstimateInput & { source: string }): CheckResult[] {
  const base = (id: string, title: string) =>
    ({ section: "estimate", id: `estimate.${id}`, title }) as const;
  const estimate = estimateBackfill(input);
  const write = input.writeLatencyMs;
  const timing =
    write === undefined
      ? `${formatMs(input.latencyMs)} a request`
      : `${formatMs(input.latencyMs)} a read, ${formatMs(write)} a write`;
  const at = `at ${timing}, --concurrency ${input.concurrency}${
    input.maxRps === undefined ? "" : `, --max-rps ${formatCount(input.maxRps)}`
  }`;
  const bound =
    estimate.boundBy === "rate"
      ? "bound by --max-rps"
      : "bound by the round trips (raise --concurrency if Sift keeps up)";
  const caveat =
    write !== undefined ? "" : "; writes timed as reads (--write-probe times a create)";
  const backfill = result(
    base("backfill", `Backfill of ${formatCount(input.runs)}`),
    "ok",
    `${about(estimate.seconds)}: ${plural(estimate.requests, "request")} (${formatCount(input.runs)} creates${
      input.followUps ? ` + ${formatCount(input.followUps)} follow-ups` : ""
    }, ${formatCount(estimate.lookups)} lookups) ${at}, ${bound}${caveat}`,
    { data: { ...estimate, ...input, runsFrom: input.source } },
  );
  const nightly = nightlyRequests(input);
  const warm = warmNightlyRequests(input);
  // Bound as the backfill is: the round trips at this concurrency, or --max-rps (the no-op
  // once ignored the rate). The warm night's few requests are timed one after another: the
  // listing of changes waits for the probe of the oldest run.
  const timed = (requests: number, rounds: number) =>
    Math.max((rounds * input.latencyMs) / 1000, input.maxRps ? requests / input.maxRps : 0);
  const noop = result(
    base("nightly", "Nightly no-op"),
    "ok",
    `${plural(warm, "request")} with a warm sync cache (${about(timed(warm, warm))}); ${formatCount(
      nightly,
    )}, lookups only, without one (${about(
      timed(nightly, Math.ceil(nightly / input.concurrency)),
    )}: the first night, each --refresh-every, or --no-cache); for ${formatCount(input.runs)} unchanged runs`,
    { data: { requests: nightly, warmCacheRequests: warm } },
  );
  return [backfill, noop];
}

/** `about 0.4 s`, or `under 0.1 s` (never "about under"). */
function about(seconds: number): string {
  const text = formatDuration(seconds);
  return text.startsWith("under") ? text : `about ${text}`;
}

/** `0.4 s`, `12 s`, `3 min 20 s`, `2 h 05 min` */
export function formatDuration(seconds: number): string {
  if (seconds < 0.1) return "under 0.1 s";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
