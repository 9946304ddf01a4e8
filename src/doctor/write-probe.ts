import { randomBytes } from "node:crypto";
import { ApiError } from "../core/errors.js";
import type { Run } from "../sift/schemas.js";
import { type CheckResult, result } from "./check.js";
import type { DoctorContext } from "./context.js";

/**
 * Item 6 of `doctor`, opt-in (`--write-probe`): one run created, updated and archived, each
 * step reported with the run, so that the user can find it. The only writes doctor makes.
 */

/** Every probe run's clientKey starts with this (Sift's clientKey rule holds for it). */
const PROBE_KEY_PREFIX = "srs-doctor-";
const PROBE_RUN_NAME = "sift-run-sync doctor write probe (safe to delete)";

export interface WriteProbeResult {
  checks: CheckResult[];
  /** The median round trip of the probe's writes, for the estimate (writes may be slower than reads). */
  writeMs?: number;
}

export async function runWriteProbe(
  ctx: Pick<DoctorContext, "client" | "recorder" | "signal">,
  now: () => Date = () => new Date(),
): Promise<WriteProbeResult> {
  const clientKey = `${PROBE_KEY_PREFIX}${randomBytes(6).toString("hex")}`;
  const base = (id: string, title: string) =>
    ({ section: "write-probe", id: `write-probe.${id}`, title }) as const;
  const control = { signal: ctx.signal };
  const checks: CheckResult[] = [];
  let run: Run;
  const startedAt = ctx.recorder.exchanges.length;
  try {
    run = await ctx.client.createRun(
      {
        name: PROBE_RUN_NAME,
        description: `Made by \`sift-run-sync doctor --write-probe\` at ${now().toISOString()} to check that this key can create, update and archive runs; archived at once.`,
        clientKey,
      },
      control,
    );
  } catch (error) {
    checks.push(refused(base("create", "CreateRun"), error, `create the run ${clientKey}`));
    checks.push(result(base("update", "UpdateRun"), "skip", "not tried: nothing was created"));
    checks.push(result(base("archive", "Archive"), "skip", "not tried: nothing was created"));
    return { checks };
  }
  const created = ctx.recorder.exchanges.slice(startedAt).findLast((e) => e.method === "POST");
  const which = `run ${run.runId} (clientKey ${clientKey}, name "${PROBE_RUN_NAME}")`;
  checks.push(
    result(base("create", "CreateRun"), "ok", `created ${which}`, {
      data: { runId: run.runId, clientKey, ...(created && { ms: created.ms }) },
    }),
  );
  try {
    const updated = await ctx.client.updateRun(
      { run: { runId: run.runId, tags: ["srs-doctor"] }, updateMask: "tags" },
      control,
    );
    const ok = updated.tags.includes("srs-doctor");
    checks.push(
      ok
        ? result(
            base("update", "UpdateRun"),
            "ok",
            `tagged ${run.runId} "srs-doctor" (updateMask tags)`,
          )
        : result(
            base("update", "UpdateRun"),
            "warn",
            `UpdateRun answered, but ${run.runId} does not hold the tag`,
            {
              todo: "Sift did not apply the update mask as documented: report it to the maintainers",
            },
          ),
    );
  } catch (error) {
    checks.push(refused(base("update", "UpdateRun"), error, `update ${which}`));
  }
  try {
    const archived = await ctx.client.updateRun(
      { run: { runId: run.runId, isArchived: true }, updateMask: "isArchived" },
      control,
    );
    checks.push(
      archived.isArchived
        ? result(
            base("archive", "Archive"),
            "ok",
            `archived ${run.runId}: the probe is done, delete it in Sift if you like`,
          )
        : result(
            base("archive", "Archive"),
            "warn",
            `UpdateRun answered, but ${run.runId} is not archived`,
            {
              todo: `archive ${which} by hand; --archive-missing would not work here`,
            },
          ),
    );
  } catch (error) {
    checks.push(
      refused(base("archive", "Archive"), error, `archive ${which}`, `archive ${which} by hand`),
    );
  }
  const writes = ctx.recorder.exchanges
    .slice(startedAt)
    .filter((e) => e.method !== "GET" && e.status >= 200 && e.status < 300)
    .map((e) => e.ms)
    .sort((a, b) => a - b);
  const writeMs = writes[Math.floor(writes.length / 2)];
  return { checks, ...(writeMs !== undefined && { writeMs }) };
}

function refused(
  base: Pick<CheckResult, "section" | "id" | "title">,
  error: unknown,
  what: string,
  cleanup?: string,
): CheckResult {
  if (!(error instanceof ApiError)) throw error;
  const then = cleanup ? `; then ${cleanup}` : "";
  if (error.status === 403) {
    return result(base, "fail", `403 PERMISSION_DENIED: the key may read but not ${what}`, {
      data: { status: 403 },
      todo: `a sync writes: use the key of a user or service account whose role can edit runs${then}`,
    });
  }
  return result(base, "fail", `could not ${what}: ${error.message}`, {
    data: { status: error.status },
    todo: `see the API's message${then}`,
  });
}
