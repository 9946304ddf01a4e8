import { formatProblem, type Problem } from "../core/errors.js";
import type { Source } from "../manifest/index.js";

/**
 * A problem under a heading that already names the run's place: `assets: no asset named "x"`
 * rather than `runs.csv:10 assets: ...`; the full located form when it points elsewhere.
 */
export function formatProblemAt(p: Problem, source: Source): string {
  const samePlace = p.file === source.file && p.line === source.line && p.column === undefined;
  if (!samePlace) return formatProblem(p);
  return p.field ? `${p.field}: ${p.message}` : p.message;
}
