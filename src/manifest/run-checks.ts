import { compareCanonical } from "../time/fast-timestamp.js";
import type { RunSpec } from "./spec.js";

/** A problem with one field of a run; the reader adds the file and line. */
export interface FieldProblem {
  field?: string;
  message: string;
  /** The line of the field when the format knows it (YAML keys); else the run's line. */
  line?: number;
}

/**
 * Checks that relate fields of one run to each other, once every field has been read
 * (and, in YAML, once defaults have been filled in). A run without problems (nearly every
 * run) gets one shared empty list, not one of its own: this runs for every row.
 */
export function checkRunFields(spec: Omit<RunSpec, "source">): readonly FieldProblem[] {
  let problems: FieldProblem[] | undefined;
  const { startTime, stopTime } = spec;
  if (stopTime !== undefined && startTime === undefined) {
    problems ??= [];
    problems.push({
      field: "stopTime",
      message: "is set but startTime is not (expected both, or startTime alone)",
    });
  }
  if (
    startTime !== undefined &&
    stopTime !== undefined &&
    compareCanonical(startTime, stopTime) >= 0
  ) {
    problems ??= [];
    problems.push({
      field: "stopTime",
      message: `${stopTime} is not after startTime ${startTime} (expected startTime < stopTime)`,
    });
  }
  // NOTE: a run with assets is created with CreateAdhocRun, which requires both times.
  if (spec.assets !== undefined && spec.assets.length > 0) {
    if (startTime === undefined || stopTime === undefined) {
      problems ??= [];
      problems.push({
        field: "assets",
        message:
          "a run with assets needs startTime and stopTime (it is created with CreateAdhocRun)",
      });
    }
  }
  return problems ?? NO_PROBLEMS;
}

const NO_PROBLEMS: readonly FieldProblem[] = Object.freeze([]);

/** The fields the cross-field checks read: one that could not be read makes them moot. */
const CROSS_CHECKED = new Set(["startTime", "stopTime", "assets"]);

/**
 * The cross-field problems to report beside a run's own field problems, so that every
 * problem of a row shows in one pass (a name error does not hide start after stop). Skipped
 * when a field they read could not be read itself.
 */
export function checkRunFieldsBeside(
  spec: Omit<RunSpec, "source">,
  fieldProblems: readonly FieldProblem[],
): readonly FieldProblem[] {
  if (fieldProblems.some((p) => p.field !== undefined && CROSS_CHECKED.has(p.field))) return [];
  return checkRunFields(spec);
}
