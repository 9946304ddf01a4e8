import { formatSource, isInvalidRow } from "../manifest/index.js";
import type { Prepared } from "../plan/prepare.js";
import type { RowRef } from "./work.js";

/** Rows named between two turns of the event loop. */
const REFS_PER_TURN = 8192;

/** Every row the apply works through, in order: the manifests' rows, then the runs to archive. */
export async function* rowRefs(
  manifests: Prepared["manifests"],
  prepared: Prepared | undefined,
): AsyncGenerator<RowRef> {
  // NOTE: from the keys the validating pass recorded when it can: reading a million rows
  // again to name the ones not reached took longer than the 9 s a stop may take.
  if (manifests.refs) {
    let turn = 0;
    for (const ref of manifests.refs()) {
      yield ref;
      // A turn of the event loop now and then: a second Ctrl-C, the stop's deadline, are heard.
      if (++turn % REFS_PER_TURN === 0) await new Promise((next) => setImmediate(next));
    }
  } else
    for await (const row of manifests.rows()) {
      const spec = isInvalidRow(row) ? row.spec : row;
      yield { clientKey: spec.clientKey, source: formatSource(spec.source) };
    }
  for (const archive of prepared?.scope?.archives ?? []) {
    yield { clientKey: archive.clientKey, source: "", action: "archive" };
  }
}
