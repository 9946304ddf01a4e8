import { formatProblem, ManifestError } from "../core/errors.js";
import { formatSource, isInvalidRow } from "../manifest/index.js";
import type { Settings, SyncOptions } from "../plan/options.js";
import { planAll } from "../plan/planner.js";
import { type ManifestRows, readManifests, resolveAgainstSift } from "../plan/prepare.js";
import type { SiftClient } from "../sift/client.js";
import { workFromChange } from "./from-change.js";
import { formatSkip, type SkipReason } from "./stop.js";
import type { Work } from "./work.js";

const HELD_BACK: SkipReason = { code: "held-back" };
/** Why a valid row was not applied when others are invalid (the results' `error`). */
const held = {
  failed: false,
  grouped: true,
  skip: HELD_BACK,
  reason: formatSkip(HELD_BACK),
} as const;

/**
 * Whether an error is the refusal of an apply for invalid rows (problems of single runs, so
 * every row can still be told), not a file that cannot be read at all.
 */
export function refusedForInvalidRows(error: unknown): error is ManifestError {
  return error instanceof ManifestError && error.heldBack !== undefined;
}

/**
 * Every row of an apply refused for invalid rows, as results: each invalid one `failed` with
 * its problems, each valid one `skipped` (HELD_BACK), nothing sent. Refused before any
 * request (`offline`: the manifests' own rules), the rows are read again and nothing is asked
 * of Sift; refused against Sift (an unknown asset, a clientKey Sift refuses for a new run),
 * the rows are planned, reading Sift, to tell which ones are invalid.
 */
export async function* refusedRows(
  options: SyncOptions,
  settings: Settings,
  client: SiftClient,
  stage: { offline: true } | { offline: false; manifests: ManifestRows },
): AsyncGenerator<Work> {
  // NOTE: the warnings were told by the first reading.
  const input = { ...options, skipInvalid: true, onWarning: undefined };
  if (stage.offline) {
    const manifests = await readManifests(input);
    for await (const row of manifests.rows()) {
      const spec = isInvalidRow(row) ? row.spec : row;
      const ref = { clientKey: spec.clientKey, source: formatSource(spec.source) };
      if (isInvalidRow(row)) {
        const reason = row.problems.map(formatProblem).join("; ");
        yield { kind: "skip", ...ref, failed: true, grouped: true, reason };
      } else {
        yield { kind: "skip", ...ref, action: "unplanned", ...held };
      }
    }
    return;
  }
  const prepared = await resolveAgainstSift(stage.manifests, client, input, settings, {
    checkRows: false,
  });
  for await (const change of planAll(prepared, client)) {
    const work = workFromChange(change);
    if (work.kind === "skip" && work.failed) {
      yield { ...work, grouped: true };
      continue;
    }
    yield {
      kind: "skip",
      clientKey: work.clientKey,
      source: work.source,
      ...("runId" in work && work.runId !== undefined && { runId: work.runId }),
      action: change.action,
      ...held,
    };
  }
}
