import { isSiftClientKey } from "../core/client-key.js";
import { ManifestError, type Problem } from "../core/errors.js";
import { isInvalidRow, type ManifestRow } from "../manifest/index.js";
import type { DiffOptions } from "./diff.js";
import type { LookupClient } from "../sift/lookup.js";
import { type AdoptOptions, type PlanContext, planChanges } from "./plan-changes.js";
import type { ManifestRows } from "./read-input.js";

/** How many problems are kept in detail; the rest are counted. */
const MAX_KEPT_PROBLEMS = 50;

/**
 * Before apply writes anything: the rows whose clientKey breaks Sift's rule are planned (only
 * they, so the cost follows them), and any that would be created (no run has the key) stops
 * the apply, as any invalid row does without `--skip-invalid`. A row whose run exists (made
 * before the rule) is fine: it is matched, never created.
 */
export async function checkNewKeys(
  manifests: Pick<ManifestRows, "rows" | "runs" | "breakingKeys">,
  client: LookupClient,
  context: PlanContext,
  options: DiffOptions & AdoptOptions,
): Promise<void> {
  if (options.clientKeyCheck === "off" || manifests.breakingKeys === 0) return;
  const breaking = async function* (): AsyncGenerator<ManifestRow> {
    // A skipped file's runs exist (they are in sync): none is created.
    for await (const row of manifests.rows({ skipped: false })) {
      if (!isInvalidRow(row) && !isSiftClientKey(row.clientKey)) yield row;
    }
  };
  // A copy: planning adds the key types new runs introduce, and the real pass starts afresh.
  const copy: PlanContext = { assetIds: context.assetIds, keyTypes: new Map(context.keyTypes) };
  const problems: Problem[] = [];
  let total = 0;
  let invalidRuns = 0;
  for await (const change of planChanges(breaking(), client, copy, options)) {
    if (change.action !== "invalid") continue;
    invalidRuns++;
    total += change.problems.length;
    problems.push(...change.problems.slice(0, MAX_KEPT_PROBLEMS - problems.length));
  }
  if (total > 0) {
    throw new ManifestError(problems, total, { heldBack: manifests.runs - invalidRuns });
  }
}
