import {
  checkClientKeyIn,
  checkDefaults,
  checkKeyless,
  checkModifiedDate,
  checkPageSize,
  checkTimestampIn,
  checkValidateFilter,
} from "./api-checks.js";
import { type CheckResult, result, type Section } from "./check.js";
import {
  checkClock,
  checkDns,
  checkLatency,
  checkProxy,
  checkSource,
  type Latency,
} from "./connection-checks.js";
import type { DoctorContext } from "./context.js";
import { checkKeyReach, type RunsScan } from "./key-checks.js";
import { checkTls } from "./tls-check.js";

/**
 * `doctor`: the checks of a Sift deployment before a sync is handed to cron, in order, each a
 * small function with a typed result. Read-only unless the caller runs the write probe.
 */

export interface DoctorOptions {
  /** What resolving the connection had to say (an overridden profile field, --api-key). */
  connectionWarnings?: readonly string[];
  /** Each result as it is decided (a report streams them). */
  onCheck?: (check: CheckResult) => void;
  /** Checks run after the API's (manifests, estimate, write probe), given what was measured. */
  after?: (facts: DoctorFacts, add: (check: CheckResult) => void) => Promise<void>;
}

/** What the read-only checks measured, for the estimate and the manifests' checks. */
export interface DoctorFacts {
  latency?: Latency;
  runs?: RunsScan;
  /** The lookup batch Sift accepted (clientKeys per ListRuns). */
  lookupBatch?: number;
  /** The key can list runs, assets and metadata keys. */
  readable: boolean;
}

export async function runDoctor(
  ctx: DoctorContext,
  options: DoctorOptions = {},
): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const add = (check: CheckResult) => {
    checks.push(check);
    options.onCheck?.(check);
  };
  add(checkSource(ctx, options.connectionWarnings ?? []));
  if (!ctx.local) {
    const dns = await checkDns(ctx);
    add(dns);
    add(checkProxy(ctx));
    if (dns.status === "fail") {
      add(
        result(
          { section: "connection", id: "connection.tls", title: "TLS" },
          "skip",
          "not checked: the host does not resolve",
        ),
      );
    } else add(await checkTls(ctx));
  }
  ctx.signal?.throwIfAborted();
  const latency = await checkLatency(ctx);
  add(latency.check);
  const facts: DoctorFacts = {
    readable: false,
    ...(latency.latency && { latency: latency.latency }),
  };
  if (!latency.reachable) {
    for (const section of ["key", "api"] as const) add(skipped(section, "Sift does not answer"));
    await options.after?.(facts, add);
    return checks;
  }
  add(checkClock(ctx.recorder.exchanges));
  const reach = await checkKeyReach(ctx);
  for (const check of reach.checks) add(check);
  facts.readable = reach.readable;
  if (reach.runs) facts.runs = reach.runs;
  if (!reach.readable && reach.runs === undefined) {
    add(skipped("api", "the key may not list runs"));
  } else {
    ctx.signal?.throwIfAborted();
    add(await checkValidateFilter(ctx));
    const lookup = await checkClientKeyIn(ctx);
    add(lookup.check);
    if (lookup.batch !== undefined) facts.lookupBatch = lookup.batch;
    add(checkPageSize(reach.runs));
    add(checkDefaults(reach.runs));
    add(await checkModifiedDate(ctx));
    add(await checkTimestampIn(ctx));
    add(checkKeyless(reach.runs));
  }
  await options.after?.(facts, add);
  return checks;
}

/** One line standing for a section that could not be checked. */
export function skipped(section: Section, why: string, todo?: string): CheckResult {
  return result({ section, id: `${section}.skipped`, title: "Not checked" }, "skip", why, {
    ...(todo !== undefined && { todo }),
  });
}
