import { ApiError } from "../core/errors.js";
import { MAX_PAGE_SIZE } from "../sift/client.js";
import { type CheckResult, result } from "./check.js";
import { formatCount, plural } from "../core/words.js";
import type { DoctorContext } from "./context.js";
import { API_OPERATIONS } from "../sift/api-operations.js";

/** Item 2 of `doctor`: what the key may read, and how much the organization holds. */

/** Pages counted at most per listing: beyond it the count is "more than". */
const MAX_COUNTED_PAGES = 10;

/** What the runs listing showed, for the checks of the API's behaviour. */
export interface RunsScan {
  /** Runs counted (at most MAX_COUNTED_PAGES pages). */
  counted: number;
  /** More runs exist than were counted. */
  more: boolean;
  archived: number;
  /** Counted runs without a clientKey (candidates for adoption). */
  keyless: number;
  organizationIds: string[];
  /** The first page: how many runs it held, and whether a next page was offered. */
  firstPage: { items: number; hasNext: boolean };
  /** The first page's JSON text, as the wire carried it (defaults emitted or omitted). */
  firstPageText?: string;
}

interface Counted {
  counted: number;
  more: boolean;
}

type Listing = "runs" | "assets" | "metadata keys";

/** The three listings a sync needs, counted; the runs scan feeds the API checks. */
export async function checkKeyReach(
  ctx: Pick<DoctorContext, "client" | "recorder" | "signal" | "keySource" | "keyHint">,
): Promise<{ checks: CheckResult[]; runs?: RunsScan; readable: boolean }> {
  const { client, signal } = ctx;
  const checks: CheckResult[] = [];
  let runs: RunsScan | undefined;
  try {
    runs = await scanRuns(ctx);
    checks.push(countedCheck("runs", runs, runsDetail(runs)));
  } catch (error) {
    checks.push(refusedCheck("runs", error, ctx));
  }
  for (const listing of ["assets", "metadata keys"] as const) {
    try {
      const counted = await countPages(async (pageToken) => {
        const params = { pageSize: MAX_PAGE_SIZE, pageToken, signal };
        if (listing === "assets") {
          const page = await client.listAssets(params);
          return { items: page.assets.length, next: page.nextPageToken };
        }
        const page = await client.listMetadataKeys(params);
        return { items: page.metadataKeys.length, next: page.nextPageToken };
      });
      checks.push(countedCheck(listing, counted, ""));
    } catch (error) {
      checks.push(refusedCheck(listing, error, ctx));
    }
  }
  checks.push(organizationCheck(runs));
  const readable = checks.every((c) => c.status !== "fail");
  return { checks, ...(runs && { runs }), readable };
}

async function scanRuns(
  ctx: Pick<DoctorContext, "client" | "recorder" | "signal">,
): Promise<RunsScan> {
  const orgs = new Set<string>();
  let archived = 0;
  let keyless = 0;
  let firstPage: RunsScan["firstPage"] | undefined;
  let firstPageText: string | undefined;
  const counted = await countPages(async (pageToken) => {
    const page = await ctx.client.listRuns({
      pageSize: MAX_PAGE_SIZE,
      pageToken,
      signal: ctx.signal,
    });
    if (firstPage === undefined) {
      firstPage = { items: page.runs.length, hasNext: page.nextPageToken !== "" };
      firstPageText = ctx.recorder.lastText(API_OPERATIONS.ListRuns.path);
    }
    for (const run of page.runs) {
      if (run.organizationId !== "") orgs.add(run.organizationId);
      if (run.isArchived) archived++;
      if (run.clientKey === undefined || run.clientKey === "") keyless++;
    }
    return { items: page.runs.length, next: page.nextPageToken };
  });
  return {
    ...counted,
    archived,
    keyless,
    organizationIds: [...orgs],
    firstPage: firstPage ?? { items: 0, hasNext: false },
    ...(firstPageText !== undefined && { firstPageText }),
  };
}

/** Pages of 1000 until the last one, or MAX_COUNTED_PAGES of them. */
async function countPages(
  page: (pageToken: string | undefined) => Promise<{ items: number; next: string }>,
): Promise<Counted> {
  let counted = 0;
  let token: string | undefined;
  for (let n = 0; n < MAX_COUNTED_PAGES; n++) {
    const { items, next } = await page(token);
    counted += items;
    if (next === "") return { counted, more: false };
    token = next;
  }
  return { counted, more: true };
}

function runsDetail(runs: RunsScan): string {
  const parts = [`${formatCount(runs.archived)} archived`];
  parts.push(`${formatCount(runs.keyless)} without a clientKey`);
  if (runs.more) parts.push(`of the first ${formatCount(runs.counted)}`);
  return ` (${parts.join(", ")})`;
}

function countedCheck(listing: Listing, counted: Counted, detail: string): CheckResult {
  const id = `key.${listing.replace(" ", "-")}`;
  const operation = OPERATION[listing];
  const amount = counted.more
    ? `more than ${formatCount(counted.counted)} ${listing}`
    : plural(counted.counted, singular(listing), listing);
  return result({ section: "key", id, title: operation }, "ok", `lists ${amount}${detail}`, {
    data: { count: counted.counted, more: counted.more },
  });
}

const OPERATION: Record<Listing, string> = {
  runs: "ListRuns",
  assets: "ListAssets",
  "metadata keys": "ListMetadataKeys",
};

function singular(listing: Listing): string {
  return listing.replace(/s$/, "").replace("keys", "key");
}

/** 401 (the key is not accepted) and 403 (accepted, not allowed) call for different fixes. */
function refusedCheck(
  listing: Listing,
  error: unknown,
  ctx: Pick<DoctorContext, "keySource" | "keyHint">,
): CheckResult {
  if (!(error instanceof ApiError)) throw error;
  const base = {
    section: "key",
    id: `key.${listing.replace(" ", "-")}`,
    title: OPERATION[listing],
  } as const;
  const data = { status: error.status };
  if (error.status === 401) {
    return result(base, "fail", `401 UNAUTHENTICATED: the key ${ctx.keyHint} is not accepted`, {
      data,
      todo: `check the key from ${ctx.keySource}: one of this Sift's, copied whole, not revoked or expired`,
    });
  }
  if (error.status === 403) {
    return result(
      base,
      "fail",
      `403 PERMISSION_DENIED: the key is accepted but may not list ${listing}`,
      {
        data,
        todo: `use the key of a user or service account whose role can read ${listing}`,
      },
    );
  }
  return result(base, "fail", error.message, {
    data,
    todo:
      error.status === 0
        ? "Sift stopped answering: try again, or raise --timeout"
        : "see the API's message",
  });
}

function organizationCheck(runs: RunsScan | undefined): CheckResult {
  const base = { section: "key", id: "key.organization", title: "Organization" } as const;
  if (runs === undefined || runs.organizationIds.length === 0) {
    return result(base, "ok", "not known: no run to read it from");
  }
  if (runs.organizationIds.length === 1) {
    return result(base, "ok", runs.organizationIds[0]!, {
      data: { organizationIds: runs.organizationIds },
    });
  }
  return result(
    base,
    "warn",
    `the key reaches ${runs.organizationIds.length} organizations: ${runs.organizationIds.join(", ")}`,
    {
      data: { organizationIds: runs.organizationIds },
      todo: "Sift asks a key of several organizations which one a new run belongs to, and this tool does not say: use a key of one organization",
    },
  );
}
