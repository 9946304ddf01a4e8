import type { Problem } from "../core/errors.js";
import type { FieldProblem } from "./run-checks.js";
import type { RunSpec, Source } from "./spec.js";

/** What a manifest reader yields, in file order. */
export type ManifestItem =
  | { kind: "run"; spec: RunSpec }
  /** A run with problems; its clientKey, when readable, still counts for duplicates. */
  | { kind: "invalid-run"; clientKey?: string; source: Source; problems: Problem[] }
  /** A problem that belongs to no run: syntax, header, file shape. */
  | { kind: "problem"; problem: Problem }
  /** Read as written, but likely not what was meant (a `,` in a `;`-separated list). */
  | { kind: "warning"; problem: Problem };

/** Locates field problems of the run at `source`. */
export function locateProblems(source: Source, problems: FieldProblem[]): Problem[] {
  return problems.map((p) => {
    const located: Problem = { file: source.file, line: p.line ?? source.line, message: p.message };
    if (p.field !== undefined) located.field = p.field;
    return located;
  });
}
