import type { Problem } from "../core/errors.js";
import type { FieldProblem } from "./run-checks.js";
import type { RunSpec, Source } from "./spec.js";

/** What a manifest reader yields, in file order. */
export type ManifestItem =
  /** `keyText`: the text a sync config's `sanitize: true` made the clientKey from. */
  | { kind: "run"; spec: RunSpec; resolved?: Resolution[]; keyText?: string }
  /** A run with problems; its clientKey, when readable, still counts for duplicates. */
  | {
      kind: "invalid-run";
      clientKey?: string;
      keyText?: string;
      source: Source;
      problems: Problem[];
    }
  /** A problem that belongs to no run: syntax, header, file shape. */
  | { kind: "problem"; problem: Problem }
  /** Read as written, but likely not what was meant (a `,` in a `;`-separated list). */
  | { kind: "warning"; problem: Problem };

/**
 * A value of a run the reader had to decide, as a rule of the config said: a local time that
 * a DST change skipped or repeated, placed by `dst: earlier|later`. Not a problem, but not
 * silent either: `validate` counts them by rule, and `--show` marks the field.
 */
export interface Resolution {
  field: "startTime" | "stopTime";
  /** `dst: later` */
  by: string;
  /** `Takeoff "3/10/2024 2:30 AM" read as -08:00 by dst: later` */
  note: string;
}

/** Locates field problems of the run at `source`. */
export function locateProblems(source: Source, problems: readonly FieldProblem[]): Problem[] {
  return problems.map((p) => {
    const located: Problem = { file: source.file, line: p.line ?? source.line, message: p.message };
    if (p.field !== undefined) located.field = p.field;
    return located;
  });
}
