import {
  CLIENT_KEY_RULE,
  explainClientKey,
  isSiftClientKey,
  NEW_KEY_FIX,
} from "../core/client-key.js";
import type { Problem } from "../core/errors.js";
import type { Resolution } from "./manifest-item.js";
import { formatCount } from "../core/words.js";
import { type ExpandOptions, expandPaths } from "./expand-paths.js";
import { ProblemList } from "./problem-list.js";
import { type ItemBatch, readAllItems } from "./read-items.js";
import type { ReadOptions } from "./read-manifest.js";
import { type InvalidRow, invalidRowOf } from "./read-manifest-rows.js";
import { formatSource, type RunSpec } from "./spec.js";
import { quote } from "./values.js";

export interface ValidationResult {
  /** The manifest files read, in order (directories expanded). */
  files: string[];
  /** Runs found in all files, valid or not. */
  runs: number;
  /** Runs per file, in the order of `files`. */
  runsPerFile: number[];
  /** Runs with problems of their own (bad values, a duplicated clientKey). */
  invalidRuns: number;
  /** Problems that belong to no run (syntax, header, file shape): their rows are unknown. */
  fileProblems: number;
  /** The first problems in detail (at most MAX_KEPT_PROBLEMS). */
  problems: Problem[];
  /** How many problems there were in all. */
  totalProblems: number;
  /** The first warnings in detail (at most MAX_KEPT_PROBLEMS): read as written, likely not meant. */
  warnings: Problem[];
  totalWarnings: number;
  /**
   * Values of valid runs a rule of the config decided, by rule: `{ "dst: later": { count: 3,
   * first: "flights.csv:12" } }` for three local times a DST change skipped or repeated.
   */
  resolved: Record<string, { count: number; first: string }>;
}

/**
 * Pass 1: parses and checks every manifest, streaming, keeping only the clientKeys (for
 * duplicates) and the first problems. Never throws for a problem in a manifest; a missing
 * path or an unreadable file is a UsageError.
 *
 * @example
 * const result = await validateManifests(["manifests/"]);
 * if (result.totalProblems > 0) throw new ManifestError(result.problems, result.totalProblems);
 */
export async function validateManifests(
  paths: string[],
  options: ExpandOptions & ReadOptions & ValidationCallbacks = {},
): Promise<ValidationResult> {
  const cwd = options.cwd ?? process.cwd();
  const files = await expandPaths(paths, {
    cwd,
    exclude: options.exclude,
    stdoutFile: options.stdoutFile,
  });
  return collectValidation(files, readAllItems(files, cwd, options), options);
}

/** Warnings logged one by one; the rest are counted in one line. */
export const MAX_SHOWN_WARNINGS = 20;

export interface ValidationCallbacks {
  /** Called with each valid run, in order: lets a caller collect what it needs in this pass. */
  onRun?: (spec: RunSpec, resolved?: readonly Resolution[]) => void;
  /** Called with the clientKey (when readable) of each invalid run, in order, and its row. */
  onInvalidRun?: (clientKey: string | undefined, row: InvalidRow) => void;
  /**
   * Called with each of the first MAX_SHOWN_WARNINGS warnings as it is met, then once with a
   * count of the rest: a warning that holds for every row of a large export must not flood the log.
   */
  onWarning?: (warning: Problem) => void;
  /** Called with every warning, shown or not (the sync cache reads a file with any every time). */
  onEveryWarning?: (warning: Problem) => void;
  /**
   * Stops the pass (Ctrl-C): checked between batches of rows, so that a large manifest is
   * not read to its end first; the pass then calls `onInterrupted` and throws the signal's
   * reason. Checked before the next batch is asked for: the rows the callbacks were given are
   * all the rows read (and all the clientKeys recorded).
   */
  signal?: AbortSignal;
  /** The pass stopped at `signal`: the files it was to read, in order. */
  onInterrupted?: (files: readonly string[]) => void;
  /**
   * `validate`: a run whose clientKey breaks Sift's rule for new runs is a warning (offline,
   * whether the run exists is unknown; plan and apply decide per run).
   */
  warnClientKeys?: boolean;
}

/**
 * Counts the runs of `batches` (from `files`, in order) and keeps the first problems. The
 * common end of validating manifests and the sources of a sync config.
 */
export async function collectValidation(
  files: string[],
  batches: AsyncIterable<ItemBatch>,
  options: ValidationCallbacks,
): Promise<ValidationResult> {
  const problems = new ProblemList();
  const warnings = new ProblemList();
  const runsPerFile = files.map(() => 0);
  let runs = 0;
  let invalidRuns = 0;
  let fileProblems = 0;
  let lastWarning: Problem | undefined;
  const resolved: ValidationResult["resolved"] = {};
  const stopIfAborted = () => {
    if (!options.signal?.aborted) return;
    options.onInterrupted?.(files);
    throw options.signal.reason;
  };
  stopIfAborted();
  for await (const { file, items } of batches) {
    const fileIndex = files.indexOf(file);
    // Indexed: a for-of makes an iterator result per run until V8 has optimized the loop.
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.kind === "problem") {
        problems.add(item.problem);
        fileProblems++;
        continue;
      }
      if (item.kind === "warning") {
        options.onEveryWarning?.(item.problem);
        warnings.add(item.problem);
        if (warnings.total <= MAX_SHOWN_WARNINGS) options.onWarning?.(item.problem);
        lastWarning = item.problem;
        continue;
      }
      runs++;
      runsPerFile[fileIndex]!++;
      if (options.warnClientKeys && item.kind === "run" && !isSiftClientKey(item.spec.clientKey)) {
        const warning = clientKeyWarning(item.spec);
        warnings.add(warning);
        if (warnings.total <= MAX_SHOWN_WARNINGS) options.onWarning?.(warning);
        lastWarning = warning;
      }
      if (item.kind === "invalid-run") {
        invalidRuns++;
        for (const p of item.problems) problems.add(p);
        options.onInvalidRun?.(item.clientKey, invalidRowOf(item));
      } else {
        countResolved(resolved, item.spec, item.resolved);
        options.onRun?.(item.spec, item.resolved);
      }
    }
    stopIfAborted();
  }
  const unshown = warnings.total - MAX_SHOWN_WARNINGS;
  if (unshown > 0 && lastWarning !== undefined) {
    options.onWarning?.({
      file: lastWarning.file,
      line: lastWarning.line,
      message: `and ${formatCount(unshown)} more warnings up to this line, not shown one by one`,
    });
  }
  return {
    files,
    runs,
    runsPerFile,
    invalidRuns,
    fileProblems,
    problems: problems.kept,
    totalProblems: problems.total,
    warnings: warnings.kept,
    totalWarnings: warnings.total,
    resolved,
  };
}

/**
 * Called for every valid run, decisions or not: a call first made at the first row a DST
 * change decided (row 126,843 of bench/manifest.mjs --mapped) would make V8 drop the optimized
 * code of the loop above and compile it again.
 */
function countResolved(
  counts: ValidationResult["resolved"],
  spec: RunSpec,
  resolved: readonly Resolution[] | undefined,
): void {
  if (resolved === undefined) return;
  for (const { by } of resolved) {
    const seen = (counts[by] ??= { count: 0, first: formatSource(spec.source) });
    seen.count++;
  }
}

/** The warning `validate` gives a clientKey that a new run could not have. */
function clientKeyWarning(spec: RunSpec): Problem {
  return {
    file: spec.source.file,
    line: spec.source.line,
    field: "clientKey",
    message: `${quote(spec.clientKey)} ${explainClientKey(spec.clientKey)}: Sift creates runs only with clientKeys of ${CLIENT_KEY_RULE}, so plan and apply will not create this run; a run that already has this key is still matched (${NEW_KEY_FIX})`,
  };
}
