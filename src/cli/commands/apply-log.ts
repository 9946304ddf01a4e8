import { describeSkip, formatSkippedLine } from "../../apply/stop.js";
import { type RowResult, toResultRow } from "../../apply/work.js";
import type { Logger } from "../../core/logger.js";
import { formatRowOutcome } from "../../report/apply-summary.js";

/** The log message of a row done. */
const DONE = {
  create: "created",
  update: "updated",
  adopt: "adopted",
  archive: "archived",
  unarchive: "unarchived",
} as const;

/**
 * apply's log of its rows: a line per row failed, skipped or written, except rows skipped for
 * a reason many share, which get one line per reason at the end (`end`).
 */
export function createRowLog(logger: Logger): {
  log: (row: RowResult, line: ReturnType<typeof toResultRow>) => void;
  end: () => void;
} {
  const grouped = new Map<string, number>();
  return {
    log(row, line) {
      // An apply refused for invalid rows: the error lists their problems once, not per row.
      if (row.outcome.status === "failed" && row.outcome.grouped) return;
      if (row.outcome.status === "skipped" && row.outcome.skip) {
        const reason = describeSkip(row.outcome.skip);
        grouped.set(reason, (grouped.get(reason) ?? 0) + 1);
        return;
      }
      const fields = {
        clientKey: line.clientKey,
        source: line.source,
        action: line.action,
        runId: line.runId,
        updateMask: line.updateMask,
      };
      const { outcome } = row;
      if (outcome.status === "failed")
        logger.error(fields, formatRowOutcome(line, { color: false }));
      else if (outcome.status === "skipped")
        logger.warn(fields, formatRowOutcome(line, { color: false }));
      else if (outcome.status === "ok" && outcome.action !== "unchanged")
        logger.info(fields, DONE[outcome.action]);
    },
    end() {
      for (const [reason, n] of grouped) {
        logger.warn({ skipped: n }, formatSkippedLine(n, reason));
      }
    },
  };
}
