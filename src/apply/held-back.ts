import { formatSkip, type SkipReason } from "./stop.js";
import type { RowRef, Work } from "./work.js";

/**
 * Every row, skipped for one shared reason before any request (a guard refused the plan):
 * each still ends in the results and the counts.
 */
export async function* heldBack(
  rows: AsyncIterable<RowRef>,
  skip: SkipReason,
): AsyncGenerator<Work> {
  const reason = formatSkip(skip);
  for await (const row of rows) {
    yield {
      kind: "skip",
      clientKey: row.clientKey,
      source: row.source,
      action: row.action ?? "unplanned",
      failed: false,
      grouped: true,
      skip,
      reason,
    };
  }
}
