import type { Problem } from "../core/errors.js";
import { formatSource, type RunSpec, type Source } from "../manifest/spec.js";
import type { KeyTypeName, Run } from "../sift/schemas.js";
import { canonicalTime } from "../time/canonical-time.js";
import { readMetadataValue, resolveMetadata, sameTypedValue } from "./metadata.js";

/**
 * Which existing run a manifest run is about: the one with its clientKey, or one without a
 * clientKey to adopt (by the row's `runId`, or by `--adopt-by` fields). Pure: the lookups
 * gather the runs, this decides.
 */
export type Match =
  | { kind: "none" }
  | { kind: "existing"; run: Run }
  | { kind: "adopt"; run: Run; by: string }
  | { kind: "conflict"; problems: Problem[] };

/** Fields `--adopt-by` can name; `metadata.<key>` too. */
export const ADOPT_BY_FIELDS = ["name", "startTime", "stopTime"] as const;
export type AdoptByField = (typeof ADOPT_BY_FIELDS)[number] | `metadata.${string}`;

/** What one lookup batch found. */
export interface Found {
  /** By clientKey. */
  byKey: ReadonlyMap<string, Run>;
  /** By runId, for the rows that name one. */
  byId: ReadonlyMap<string, Run>;
  /** Runs without a clientKey that may agree with rows on the `--adopt-by` fields. */
  keyless: readonly Run[];
}

export interface MatchOptions {
  adoptBy: readonly AdoptByField[];
  keyTypes: ReadonlyMap<string, KeyTypeName>;
  /** runId → the row that adopts it, so far: two rows never adopt the same run. */
  claimed: Map<string, Source>;
}

export function matchRun(spec: RunSpec, found: Found, options: MatchOptions): Match {
  const problem = (message: string): Match => ({
    kind: "conflict",
    problems: [{ file: spec.source.file, line: spec.source.line, field: "runId", message }],
  });
  const byKey = found.byKey.get(spec.clientKey);
  if (byKey !== undefined) {
    if (spec.runId !== undefined && spec.runId !== byKey.runId) {
      return problem(
        `${spec.runId} is not the run of clientKey ${JSON.stringify(spec.clientKey)}: that is run ${byKey.runId}`,
      );
    }
    return { kind: "existing", run: byKey };
  }
  if (spec.runId !== undefined) {
    const run = found.byId.get(spec.runId);
    if (run === undefined) return problem(`no run ${spec.runId} exists in Sift`);
    if (run.clientKey !== undefined) {
      return problem(
        `run ${run.runId} has clientKey ${JSON.stringify(run.clientKey)}, not ${JSON.stringify(spec.clientKey)} (a clientKey cannot be changed once set)`,
      );
    }
    return claim(spec, run, "runId", options) ?? { kind: "adopt", run, by: "runId" };
  }
  if (options.adoptBy.length === 0) return { kind: "none" };
  const matches = found.keyless.filter((run) => agreesOn(spec, run, options));
  if (matches.length === 0) return { kind: "none" };
  const by = options.adoptBy.join(",");
  if (matches.length > 1) {
    const ids = matches
      .map((r) => r.runId)
      .sort()
      .join(", ");
    return {
      kind: "conflict",
      problems: [
        {
          file: spec.source.file,
          line: spec.source.line,
          message: `--adopt-by ${by}: ${matches.length} runs without a clientKey match (${ids}); add a runId column to choose one`,
        },
      ],
    };
  }
  const run = matches[0]!;
  return claim(spec, run, by, options) ?? { kind: "adopt", run, by };
}

/** Records the adoption; a conflict when an earlier row already adopts this run. */
function claim(spec: RunSpec, run: Run, by: string, options: MatchOptions): Match | undefined {
  const earlier = options.claimed.get(run.runId);
  if (earlier !== undefined) {
    return {
      kind: "conflict",
      problems: [
        {
          file: spec.source.file,
          line: spec.source.line,
          ...(by === "runId" && { field: "runId" }),
          message: `run ${run.runId} is already adopted by ${formatSource(earlier)} (two rows cannot adopt one run)`,
        },
      ],
    };
  }
  options.claimed.set(run.runId, spec.source);
  return undefined;
}

/** Whether a run agrees with the row on every `--adopt-by` field (a field the row leaves out never agrees). */
function agreesOn(
  spec: RunSpec,
  run: Run,
  options: Pick<MatchOptions, "adoptBy" | "keyTypes">,
): boolean {
  if (run.clientKey !== undefined) return false;
  let metadata: ReturnType<typeof resolveMetadata>;
  for (const field of options.adoptBy) {
    switch (field) {
      case "name":
        if (spec.name === undefined || spec.name !== run.name) return false;
        break;
      case "startTime":
      case "stopTime":
        if (spec[field] === undefined || spec[field] !== canonicalTime(run[field])) return false;
        break;
      default: {
        const key = field.slice("metadata.".length);
        metadata ??= resolveMetadata(spec, options.keyTypes, []);
        const wanted = metadata?.get(key);
        const held = run.metadata.find((m) => m.key.name === key);
        if (held === undefined || !sameTypedValue(wanted, readMetadataValue(held))) return false;
      }
    }
  }
  return true;
}
