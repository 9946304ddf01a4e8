import { UsageError } from "../../core/errors.js";
import { IGNORABLE_FIELDS, type IgnorableField } from "../../plan/diff.js";
import { createProgress, type Progress } from "../../report/progress.js";
import type { CliIo } from "../io.js";

/** `--ignore startTime,stopTime`, checked against the fields a manifest can manage. */
export function parseIgnore(fields: string[] | undefined): IgnorableField[] {
  const known = new Set<string>(IGNORABLE_FIELDS);
  for (const field of fields ?? []) {
    if (!known.has(field)) {
      throw new UsageError(
        `--ignore: unknown field ${JSON.stringify(field)} (expected some of ${IGNORABLE_FIELDS.join(", ")})`,
      );
    }
  }
  return (fields ?? []) as IgnorableField[];
}

/** The progress bar on stderr: only on a TTY and without --no-progress. */
export function startProgress(flags: { progress: boolean }, io: CliIo, label: string): Progress {
  return createProgress({
    ...(io.status ? { line: io.status } : { stream: io.stderr }),
    enabled: flags.progress && io.stderr.isTTY === true,
    label,
  });
}

/** Feeds the bar from the plan and apply progress callbacks. */
export function progressCallback(progress: Progress) {
  return ({ total }: { done: number; total: number }) => {
    progress.setTotal(total);
    progress.tick();
  };
}
