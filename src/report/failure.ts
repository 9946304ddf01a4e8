import { formatProblem, ManifestError, SyncError } from "../core/errors.js";

/**
 * Why a command stopped, as its stdout document records it: `--format json` gets an `error`
 * member, Markdown an error section. The same words as the `error:` line on stderr.
 */
export interface Failure {
  /** `MANIFEST`, `USAGE`, `API`, `CONNECTION`, `PLAN`, `GUARD`, `INTERRUPTED`, `INTERNAL`. */
  code: string;
  message: string;
  /** Manifest problems, located (`runs.csv:3 name: ...`), the first ones of `total`. */
  problems?: string[];
  /** How many problems there were in all (more than listed when the list was capped). */
  total?: number;
  /** `INTERRUPTED`: the signal that stopped the command (`SIGINT`, `SIGTERM`), when known. */
  signal?: string;
}

/** Ctrl-C or SIGTERM stopped the command before its document was complete. */
export const INTERRUPTED: Failure = {
  code: "INTERRUPTED",
  message: "interrupted (Ctrl-C or SIGTERM): the plan is incomplete",
};

/** The failure an error stands for; never a stack trace. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof ManifestError) {
    return {
      code: error.code,
      message: `${error.message}; nothing was written`,
      problems: error.problems.map(formatProblem),
      total: error.total,
    };
  }
  if (error instanceof SyncError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: "INTERNAL", message: `internal error: ${message}` };
}
