import { ApiError } from "../core/errors.js";
import { batchInFilters, MAX_BATCH_VALUES } from "../sift/in-filter.js";
import { filterBudget } from "../sift/in-filter.js";
import { MAX_PAGE_SIZE } from "../sift/client.js";
import { type CheckResult, result } from "./check.js";
import { formatCount, plural } from "../core/words.js";
import type { DoctorContext } from "./context.js";
import type { RunsScan } from "./key-checks.js";
import { API_OPERATIONS } from "../sift/api-operations.js";

/**
 * Item 3 of `doctor`: read-only probes of what this tool assumes about Sift's API
 * (sift-api.md), each with what it found. Nothing here writes.
 */

type Ctx = Pick<DoctorContext, "client" | "recorder" | "signal">;

/** What an older Sift answers for an endpoint it does not have. */
const NO_SUCH_ENDPOINT = new Set([404, 405, 501]);

export async function checkValidateFilter(ctx: Ctx): Promise<CheckResult> {
  const base = { section: "api", id: "api.validate-filter", title: "runs:validateFilter" } as const;
  const from = ctx.recorder.exchanges.length;
  const fallback = {
    todo: "--scope and export --filter are checked with a ListRuns of pageSize 1 instead: it works, with vaguer messages",
  };
  try {
    const good = await ctx.client.validateRunFilter("client_key == 'srs-doctor'", {
      signal: ctx.signal,
    });
    const served = ctx.recorder.exchanges
      .slice(from)
      .find((e) => e.path === API_OPERATIONS.ValidateRunFilter.path);
    if (served !== undefined && NO_SUCH_ENDPOINT.has(served.status)) {
      return result(base, "warn", `not served (${served.status}): a Sift from before 2026-05`, {
        ...fallback,
        data: { served: false, status: served.status },
      });
    }
    if (good !== "") {
      return result(base, "warn", `refuses a valid filter: ${good}`, {
        todo: "report this to the maintainers with the message",
      });
    }
    const bad = await ctx.client.validateRunFilter("client_key ==", { signal: ctx.signal });
    if (bad === "") {
      return result(base, "warn", "served, but calls the broken filter `client_key ==` valid", {
        todo: "a mistyped --scope will fail later, at ListRuns, instead of at once",
      });
    }
    return result(base, "ok", "served: tells a valid filter from a broken one", {
      data: { served: true },
    });
  } catch (error) {
    return failed(base, error);
  }
}

/** The lookup batches plan and apply send: `client_key in [...]`, as many values as one URL holds. */
export async function checkClientKeyIn(ctx: Ctx): Promise<{ check: CheckResult; batch?: number }> {
  const base = { section: "api", id: "api.client-key-in", title: "client_key in [...]" } as const;
  const keys = Array.from(
    { length: MAX_BATCH_VALUES },
    (_, i) => `srs-doctor-probe-${String(i).padStart(4, "0")}`,
  );
  const [filter] = batchInFilters("client_key", keys, filterBudget(ctx.client, "ListRuns"));
  const values = filter!.split(",").length;
  const bytes = ctx.client.listUrlBytes(API_OPERATIONS.ListRuns.path, {
    filter,
    pageSize: MAX_PAGE_SIZE,
  });
  const what = `a lookup of ${formatCount(values)} clientKeys in one request (${formatCount(bytes)}-byte URL)`;
  try {
    const page = await ctx.client.listRuns({ filter, pageSize: MAX_PAGE_SIZE, signal: ctx.signal });
    const note =
      values < MAX_BATCH_VALUES
        ? `: the most of ${formatCount(MAX_BATCH_VALUES)} keys of 21 characters that fit under the 8 KiB URL budget`
        : "";
    return {
      batch: values,
      check: result(
        base,
        "ok",
        `accepted ${what}${note}; it found ${plural(page.runs.length, "run")}`,
        {
          data: { values, urlBytes: bytes, found: page.runs.length },
        },
      ),
    };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 414 || error.status === 431)) {
      return {
        check: result(base, "fail", `${what}: refused for its length (${error.status})`, {
          data: { values, urlBytes: bytes, status: error.status },
          todo: "a gateway in front of Sift takes shorter URLs than 8 KiB: report it to the maintainers (MAX_URL_BYTES)",
        }),
      };
    }
    return {
      check: failed(
        base,
        error,
        "lookups by clientKey are how plan finds runs: nothing can be planned",
      ),
    };
  }
}

export function checkPageSize(runs: RunsScan | undefined): CheckResult {
  const base = { section: "api", id: "api.page-size", title: "pageSize 1000" } as const;
  if (runs === undefined) return result(base, "skip", "not checked: ListRuns was refused");
  const { items, hasNext } = runs.firstPage;
  const data = { asked: MAX_PAGE_SIZE, got: items, hasNext };
  if (items >= MAX_PAGE_SIZE)
    return result(base, "ok", `honoured: a page held ${formatCount(items)} runs`, { data });
  if (hasNext) {
    return result(
      base,
      "warn",
      `coerced: a page held ${formatCount(items)} runs, with more to come`,
      {
        data,
        todo: "lookups and counts take more requests than this tool plans for; they still work",
      },
    );
  }
  return result(base, "ok", `not tested beyond ${plural(items, "run")}: all fit in one page`, {
    data,
  });
}

/** grpc-gateway emits default values (`"tags": []`) or omits them: this client reads both. */
export function checkDefaults(runs: RunsScan | undefined): CheckResult {
  const base = { section: "api", id: "api.defaults", title: "Default values" } as const;
  const text = runs?.firstPageText;
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const page = parsed as { runs?: Record<string, unknown>[]; nextPageToken?: unknown } | undefined;
  // A run that is not pinned has a default to show: `"isPinned": false`, or nothing.
  const run = page?.runs?.find((r) => r.isPinned !== true);
  const lastPage =
    page !== undefined && !(typeof page.nextPageToken === "string" && page.nextPageToken !== "");
  let mode: "emitted" | "omitted" | undefined;
  if (run !== undefined) mode = "isPinned" in run ? "emitted" : "omitted";
  else if (lastPage) mode = "nextPageToken" in page ? "emitted" : "omitted";
  if (mode === undefined) return result(base, "skip", "not seen: ListRuns was refused");
  const how = mode === "emitted" ? "emitted (grpc-gateway's default)" : "omitted";
  return result(base, "ok", `${how}: this tool reads either form`, { data: { defaults: mode } });
}

/** The sync cache asks for the runs changed since its mark this way. */
export async function checkModifiedDate(ctx: Ctx): Promise<CheckResult> {
  const base = { section: "api", id: "api.modified-date", title: "modified_date" } as const;
  const filter = "modified_date > timestamp('2000-01-01T00:00:00Z')";
  try {
    // NOTE: as the sync cache asks for the runs changed since its mark.
    await ctx.client.listRuns({
      filter,
      orderBy: "modified_date desc",
      pageSize: 1,
      signal: ctx.signal,
    });
    return result(
      base,
      "ok",
      "`modified_date > timestamp(...)` with orderBy=modified_date desc accepted",
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      return result(base, "warn", `refused: ${error.apiMessage}`, {
        todo: "the sync cache cannot ask for the runs changed since its last night: each night reads every run (--no-cache)",
      });
    }
    return failed(base, error);
  }
}

/** Informational: this tool never sends `in` over timestamps (sift-api.md), whatever Sift says. */
export async function checkTimestampIn(ctx: Ctx): Promise<CheckResult> {
  const base = { section: "api", id: "api.timestamp-in", title: "`in` over timestamps" } as const;
  const filter = "start_time in [timestamp('2024-01-01T00:00:00Z')]";
  const note = "this tool uses >=/<= ranges on timestamps either way";
  try {
    await ctx.client.listRuns({ filter, pageSize: 1, signal: ctx.signal });
    return result(base, "ok", `accepted; ${note}`, { data: { accepted: true } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      return result(base, "ok", `refused (400); ${note}`, { data: { accepted: false } });
    }
    return failed(base, error);
  }
}

export function checkKeyless(runs: RunsScan | undefined): CheckResult {
  const base = { section: "api", id: "api.keyless-runs", title: "Runs without clientKey" } as const;
  if (runs === undefined) return result(base, "skip", "not counted: ListRuns was refused");
  const of = runs.more ? ` of the first ${formatCount(runs.counted)}` : "";
  if (runs.keyless === 0) return result(base, "ok", `none${of}`, { data: { keyless: 0 } });
  return result(
    base,
    "ok",
    `${plural(runs.keyless, "run")}${of} without one: a manifest row matches them only by runId or --adopt-by (export writes such a manifest)`,
    { data: { keyless: runs.keyless, more: runs.more } },
  );
}

function failed(
  base: Pick<CheckResult, "section" | "id" | "title">,
  error: unknown,
  todo = "see the API's message",
): CheckResult {
  if (!(error instanceof ApiError)) throw error;
  return result(base, "fail", error.message, { data: { status: error.status }, todo });
}
