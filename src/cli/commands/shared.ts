import { formatCount, plural } from "../../core/words.js";
import { UsageError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { readRetryKeys } from "../../report/results-file-read.js";
import { IGNORABLE_FIELDS, type IgnorableField } from "../../plan/diff.js";
import { type AdoptBySpec, parseAdoptBy as readAdoptByRules } from "../../core/adopt-by.js";
import type { ArchiveOptions } from "../../plan/scope.js";
import type { Progress } from "../../report/progress.js";
import type { ArchiveFlags } from "../flags.js";
import type { Change, Warning } from "../../plan/change.js";
import { formatSource, MAX_SHOWN_WARNINGS } from "../../manifest/index.js";

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

/**
 * `--adopt-by name,startTime~10m,metadata.serial`, checked against the fields a row can be
 * matched on; the entries as written (a saved plan keeps them so), duplicates dropped.
 */
export function parseAdoptBy(fields: string[] | undefined): AdoptBySpec[] {
  return readAdoptByRules(fields ?? []).map((rule) => rule.text as AdoptBySpec);
}

/** `--archive-missing --scope CEL [--max-archive N|P%] [--allow-empty]`, checked together. */
export function parseArchive(flags: ArchiveFlags): ArchiveOptions | undefined {
  if (!flags.archiveMissing) {
    const stray = [
      flags.scope !== undefined ? "--scope" : "",
      flags.maxArchive !== undefined ? "--max-archive" : "",
      flags.allowEmpty === true ? "--allow-empty" : "",
    ].filter((f) => f !== "");
    if (stray.length > 0) {
      throw new UsageError(`${stray.join(" and ")} only apply with --archive-missing`);
    }
    return undefined;
  }
  if (flags.mode === "create-only") {
    throw new UsageError(
      "--archive-missing archives existing runs, and --mode create-only never changes one (use upsert or update-only)",
    );
  }
  if (flags.scope === undefined || flags.scope.trim() === "") {
    throw new UsageError(
      "--archive-missing needs --scope CEL: the runs this sync mirrors (e.g. --scope \"client_key.startsWith('ts-')\"); runs outside it are never archived",
    );
  }
  return {
    scope: flags.scope,
    ...(flags.maxArchive !== undefined && { maxArchive: flags.maxArchive }),
    ...(flags.allowEmpty && { allowEmpty: true }),
  };
}

/** Feeds the bar from the plan and apply progress callbacks. */
export function progressCallback(progress: Progress) {
  return ({ total }: { done: number; total: number }) => {
    progress.setTotal(total);
    progress.tick();
  };
}

/**
 * The clientKeys `--only` and `--retry-failed` restrict the command to (both given: the runs
 * in both), or undefined when neither is given.
 */
export function readSelection(
  flags: {
    only?: string[];
    retryFailed?: string;
  },
  /** Where a relative --retry-failed path is taken from: the command's directory. */
  cwd: string,
  notes?: string[],
): Set<string> | undefined {
  const only = flags.only && new Set(flags.only);
  if (only !== undefined && only.size === 0)
    throw new UsageError("--only: give clientKeys, comma-separated");
  if (flags.retryFailed === undefined) return only;
  const retry = readRetryKeys(flags.retryFailed, notes, { cwd });
  return only === undefined ? retry : new Set([...retry].filter((key) => only.has(key)));
}

/** `--only tv-404`: a key no manifest has is worth a warning (a typo, an old results file). */
export function warnMissingKeys(logger: Logger, missing: readonly string[]): void {
  if (missing.length === 0) return;
  const shown = missing
    .slice(0, 5)
    .map((key) => JSON.stringify(key))
    .join(", ");
  const more = missing.length > 5 ? ` and ${missing.length - 5} more` : "";
  logger.warn(
    { missing: missing.length },
    `${plural(missing.length, "selected clientKey")} ${missing.length === 1 ? "is" : "are"} in no manifest: ${shown}${more}`,
  );
}

/**
 * The plan's warnings (assets differ, time order), as plan shows them: the first
 * MAX_SHOWN_WARNINGS one by one, the rest in one line, so that a warning every row of a large
 * backfill shares does not flood the log.
 */
export function planWarningLog(
  logger: Logger,
  only: (warning: Warning) => boolean = () => true,
): { add: (change: Change) => void; end: () => void } {
  let total = 0;
  return {
    add(change) {
      if (!("warnings" in change)) return;
      for (const warning of change.warnings) {
        if (!only(warning)) continue;
        if (++total > MAX_SHOWN_WARNINGS) continue;
        const { clientKey, source } = change.spec;
        logger.warn({ clientKey }, `${clientKey} (${formatSource(source)}): ${warning.message}`);
      }
    },
    end() {
      const unshown = total - MAX_SHOWN_WARNINGS;
      if (unshown > 0) {
        logger.warn(
          { warnings: total },
          `and ${formatCount(unshown)} more plan warnings, not shown one by one (plan lists them all)`,
        );
      }
    },
  };
}
