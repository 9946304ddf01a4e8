import { SyncError } from "../core/errors.js";
import { formatSource, type RunSpec } from "../manifest/index.js";
import { ItemTooLargeError } from "../sift/client.js";
import { batchInFilters } from "../sift/in-filter.js";
import { LOOKUP_PAGE_SIZE, type LookupClient } from "../sift/lookup.js";

/**
 * When a lookup batch holds a run Sift will not send even alone (a page of 1 refused for its
 * size), which row it is: the batch is halved until one row is left (a few requests; only on
 * this failure), so the error names the row rather than a filter of a thousand keys.
 */
export async function locateOversizedRun(
  client: Pick<LookupClient, "listAllRuns">,
  rows: readonly RunSpec[],
  field: "client_key" | "run_id",
  budget: number,
  refused: ItemTooLargeError,
): Promise<never> {
  const valueOf = (spec: RunSpec) => (field === "client_key" ? spec.clientKey : spec.runId!);
  let suspects = rows;
  let last = refused;
  while (suspects.length > 1) {
    const half = suspects.slice(0, Math.ceil(suspects.length / 2));
    const failed = await tooLarge(client, field, half.map(valueOf), budget);
    if (failed !== undefined) {
      suspects = half;
      last = failed;
    } else suspects = suspects.slice(half.length);
  }
  const row = suspects[0];
  const alone =
    row === undefined ? undefined : await tooLarge(client, field, [valueOf(row)], budget);
  if (row === undefined || alone === undefined) throw last; // not reproduced: say what Sift said
  const name = field === "client_key" ? "clientKey" : "runId";
  throw new SyncError(
    "API",
    `${formatSource(row.source)} ${name}: the run of ${JSON.stringify(valueOf(row))} in Sift is larger than Sift sends in one answer, even alone (${alone.request}: ${alone.refused.apiMessage}); this tool cannot read it through the REST API: make it smaller in Sift (its description or metadata) or leave the row out`,
    { cause: alone },
  );
}

/** The error listing these values ends in when one of their runs is too large; else undefined. */
async function tooLarge(
  client: Pick<LookupClient, "listAllRuns">,
  field: string,
  values: string[],
  budget: number,
): Promise<ItemTooLargeError | undefined> {
  try {
    for (const filter of batchInFilters(field, values, budget)) {
      for await (const run of client.listAllRuns(filter, { pageSize: LOOKUP_PAGE_SIZE })) void run;
    }
    return undefined;
  } catch (error) {
    if (error instanceof ItemTooLargeError) return error;
    throw error;
  }
}
