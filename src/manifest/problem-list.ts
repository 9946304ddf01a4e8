import type { Problem } from "../core/errors.js";

/** Problems kept in detail; beyond that they are only counted (a broken million-row file). */
export const MAX_KEPT_PROBLEMS = 50;

export class ProblemList {
  readonly kept: Problem[] = [];
  total = 0;

  add(problem: Problem): void {
    this.total++;
    if (this.kept.length < MAX_KEPT_PROBLEMS) this.kept.push(problem);
  }
}
