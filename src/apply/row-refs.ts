import { formatSource, isInvalidRow } from "../manifest/index.js";
import type { Prepared } from "../plan/prepare.js";
import type { RowRef } from "./work.js";

/** Rows handed on between two turns of the event loop. */
const ROWS_PER_TURN = 8192;

/**
 * `rows`, with a turn of the event loop after every ROWS_PER_TURN of them: a stop's listing of
 * a million rows still hears a second Ctrl-C, and the stop's deadline, meanwhile.
 */
export async function* turnByTurn<T>(rows: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  let turn = 0;
  for await (const row of rows) {
    yield row;
    if (++turn % ROWS_PER_TURN === 0) await new Promise((next) => setImmediate(next));
  }
}

/** Every row the apply works through, in order: the manifests' rows, then the runs to archive. */
export async function* rowRefs(
  manifests: Prepared["manifests"],
  prepared: Prepared | undefined,
): AsyncGenerator<RowRef> {
  // NOTE: from the keys the validating pass recorded when it can: reading a million rows
  // again to name the ones not reached took longer than the 9 s a stop may take.
  if (manifests.refs) yield* turnByTurn(manifests.refs());
  else
    for await (const row of manifests.rows()) {
      const spec = isInvalidRow(row) ? row.spec : row;
      yield { clientKey: spec.clientKey, source: formatSource(spec.source) };
    }
  for (const archive of prepared?.scope?.archives ?? []) {
    yield { clientKey: archive.clientKey, source: "", action: "archive" };
  }
}
