/**
 * The small vocabulary of errors. Each has a `code`; the CLI's single catch maps
 * them to a message and an exit code. Anything else is a bug (shown with a stack
 * trace only at `--log-level debug`).
 */

export type ErrorCode = "MANIFEST" | "USAGE" | "API" | "CONNECTION" | "PLAN" | "GUARD" | "INTERNAL";

export class SyncError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad flags, missing connection settings, an unusable path. */
export class UsageError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("USAGE", message, options);
  }
}

/** A saved plan that cannot be applied (other API URL, other version, broken file). */
export class PlanFileError extends SyncError {
  /** The message already says that nothing was written (so it is not said twice). */
  readonly nothingWritten: boolean;
  constructor(message: string, options?: { cause?: unknown; nothingWritten?: boolean }) {
    super("PLAN", message, options);
    this.nothingWritten = options?.nothingWritten ?? false;
  }
}

/** The guards that refuse a plan (exit 3), by the flag that sets or overrides them. */
export type GuardName = "max-changes" | "max-archive" | "allow-empty";

/**
 * A guard's refusal as reports record it (the JSON `refused` member, the Markdown section,
 * the saved plan): which guard, the most runs it lets through, what the plan would do.
 */
export interface Refusal {
  guard: GuardName;
  /** Runs the guard lets the plan change (max-changes) or archive: `10%` of 1,005 runs is 100; 0 for allow-empty. */
  limit: number;
  /** The flag's value as given (`10%`, `250`); absent for allow-empty, which takes none. */
  given?: string;
  /** Runs the plan would change (max-changes) or archive (max-archive, allow-empty). */
  would: number;
  /** The reason in words, as the `error:` line says it. */
  message: string;
  /** What lets the plan through once it is checked: `--max-changes 250`, `--allow-empty`. */
  override: string;
}

/**
 * A guard refused the plan (`--max-changes`, ...): nothing was written. Exit code 3, so a
 * nightly job can tell "the export looks wrong" from any other failure. `refusals` holds every
 * guard that refused (the first is the message's), when known.
 */
export class GuardError extends SyncError {
  readonly refusals: readonly Refusal[];
  constructor(message: string, options?: { cause?: unknown; refusals?: readonly Refusal[] }) {
    super("GUARD", message, options);
    this.refusals = options?.refusals ?? [];
  }
}

/** One located problem in a manifest: `runs.csv:14:3 startTime: ...`. */
export interface Problem {
  file: string;
  line: number;
  column?: number;
  field?: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.column === undefined ? `${p.file}:${p.line}` : `${p.file}:${p.line}:${p.column}`;
  return p.field ? `${where} ${p.field}: ${p.message}` : `${where} ${p.message}`;
}

/** Every problem of every manifest, reported together. */
export class ManifestError extends SyncError {
  readonly problems: Problem[];
  /** How many problems there were in all (the list may be capped). */
  readonly total: number;
  /**
   * Valid runs not applied because of these problems (when the problems are per run, so
   * `--skip-invalid` could apply them); undefined when a file could not be read at all.
   */
  readonly heldBack: number | undefined;
  constructor(problems: Problem[], total = problems.length, options: { heldBack?: number } = {}) {
    super("MANIFEST", `${total} problem${total === 1 ? "" : "s"} in the manifests`);
    this.problems = problems;
    this.total = total;
    this.heldBack = options.heldBack;
  }
}

/**
 * What ended a request, when its status alone does not say it:
 * - `interrupted`: stopped (Ctrl-C, SIGTERM) before an attempt, or cut off during one;
 * - `rate-limited`: every attempt was answered 429;
 * - `broken-answer`: the server answered in a way no API does (an empty 200, paging that makes
 *   no progress);
 * - `too-large`: the answer was over the client's size cap;
 * - `silent`: the API accepted connections but never answered anything (not an API at all?);
 * - `proxy`: the proxy refused the tunnel or could not be reached (its message names it).
 */
export type ApiErrorReason =
  "interrupted" | "rate-limited" | "broken-answer" | "too-large" | "silent" | "proxy";

/** A request the API answered with an error (after retries), or could not be reached. */
export class ApiError extends SyncError {
  /** `GET /api/v2/runs` — never the query string's secrets, never the key. */
  readonly request: string;
  /** HTTP status; 0 when no answer came (network error, timeout). */
  readonly status: number;
  /** gRPC code from the body, when the body was the API's JSON error. */
  readonly grpcCode: number | undefined;
  readonly apiMessage: string;
  /**
   * How many attempts were sent before this answer. More than one means an earlier attempt may
   * have reached the server (a write committed, its answer lost): a create that then answers
   * 409 ALREADY_EXISTS may have been our own.
   */
  attempts = 1;
  /**
   * The API refused to send its answer for its size (gRPC RESOURCE_EXHAUSTED about the
   * message size, HTTP 429): not throttling; a smaller page is the way out (sift-api.md).
   */
  readonly answerTooLarge: boolean;
  readonly reason: ApiErrorReason | undefined;
  constructor(
    init: {
      request: string;
      status: number;
      grpcCode?: number;
      apiMessage: string;
      answerTooLarge?: boolean;
      reason?: ApiErrorReason;
    },
    options?: { cause?: unknown },
  ) {
    const status = init.status === 0 ? "no answer" : String(init.status);
    // NOTE: a message that already says "no answer ..." is not prefixed with it again
    // ("no answer: no answer from HOST within 30 s", issue 18.9).
    const said = init.status === 0 && /^no answer\b/.test(init.apiMessage);
    super(
      init.status === 0 ? "CONNECTION" : "API",
      said
        ? `[${init.request}] ${init.apiMessage}`
        : `[${init.request}] ${status}: ${init.apiMessage}`,
      options,
    );
    this.request = init.request;
    this.status = init.status;
    this.grpcCode = init.grpcCode;
    this.apiMessage = init.apiMessage;
    this.answerTooLarge = init.answerTooLarge ?? false;
    this.reason = init.reason;
  }
}
