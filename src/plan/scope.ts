import { formatCount } from "../core/words.js";
import { type Refusal, UsageError } from "../core/errors.js";
import { type ArchiveChange, archiveBody } from "./change.js";
import { LOOKUP_PAGE_SIZE, type LookupClient } from "../sift/lookup.js";
import { type Shard, shardOf } from "./shard.js";

/** A guard on how many runs one plan may archive: a count, or a percentage of the in-scope runs. */
export type ArchiveLimit = { count: number } | { percent: number };

/** `--max-archive`'s default: a tenth of the in-scope runs. */
const DEFAULT_MAX_ARCHIVE: ArchiveLimit = { percent: 10 };

export interface ArchiveOptions {
  /**
   * CEL for ListRuns: the runs this sync mirrors, e.g. `client_key.startsWith('ts-')`.
   * Runs outside it are never archived nor unarchived.
   */
  scope: string;
  /** Default 10% of the in-scope runs. */
  maxArchive?: ArchiveLimit;
  /** Archive even when the manifests hold no runs at all (an empty export is usually a bug). */
  allowEmpty?: boolean;
}

/** What the scope holds, against the manifests' clientKeys. */
export interface Scope {
  /** In-scope runs with a clientKey that are not archived (in this shard): the guard's base. */
  live: number;
  /** In-scope, not archived, and in no manifest: to archive, in listing order. */
  archives: ArchiveChange[];
  /** runIds of in-scope archived runs that the manifests hold: unarchived unless their row manages isArchived. */
  archivedInManifests: Set<string>;
}

export interface ScopeClient extends LookupClient {
  /** `POST /api/v2/runs:validateFilter`: "" when the filter is valid, else the problem. */
  validateRunFilter(
    filter: string,
    options?: { signal?: AbortSignal; stop?: AbortSignal },
  ): Promise<string>;
}

/**
 * Lists the runs of the scope (archived ones included) and sorts them against the manifests'
 * clientKeys. The scope is checked with the API's validateFilter first, so a typo is a usage
 * error, not an empty scope. Runs without a clientKey are never archived: no manifest could
 * hold them.
 */
export async function readScope(
  client: ScopeClient,
  scope: string,
  manifestKeys: ReadonlySet<string>,
  shard?: Shard,
): Promise<Scope> {
  const problem = await client.validateRunFilter(scope);
  if (problem !== "") throw new UsageError(`--scope ${JSON.stringify(scope)}: ${problem}`);
  const result: Scope = { live: 0, archives: [], archivedInManifests: new Set() };
  for await (const run of client.listAllRuns(scope, { pageSize: LOOKUP_PAGE_SIZE })) {
    const key = run.clientKey;
    if (key === undefined) continue;
    if (shard !== undefined && shardOf(key, shard.count) !== shard.index) continue;
    const held = manifestKeys.has(key);
    if (run.isArchived) {
      if (held) result.archivedInManifests.add(run.runId);
      continue;
    }
    result.live++;
    if (!held) {
      result.archives.push({
        action: "archive",
        clientKey: key,
        runId: run.runId,
        name: run.name,
        modifiedDate: run.modifiedDate,
        body: archiveBody(run.runId),
      });
    }
  }
  return result;
}

/**
 * Why archiving `scope.archives` must not happen, or undefined when it may: more than
 * `--max-archive` of the in-scope runs, or manifests that hold no runs at all (without
 * `--allow-empty`). Pure.
 */
export function checkArchiveGuard(
  scope: Pick<Scope, "live" | "archives">,
  manifestRuns: number,
  options: ArchiveOptions,
): Refusal | undefined {
  const archives = scope.archives.length;
  if (archives === 0) return undefined;
  if (manifestRuns === 0 && options.allowEmpty !== true) {
    return {
      guard: "allow-empty",
      limit: 0,
      would: archives,
      message: `the manifests hold no runs, and --archive-missing would archive all ${formatCount(archives)} in-scope runs`,
      override: "--allow-empty",
    };
  }
  const limit = options.maxArchive ?? DEFAULT_MAX_ARCHIVE;
  const share = scope.live === 0 ? 100 : (archives * 100) / scope.live;
  const over =
    "count" in limit ? archives > limit.count : archives * 100 > limit.percent * scope.live;
  if (!over) return undefined;
  const allowed = "count" in limit ? String(limit.count) : `${limit.percent}%`;
  return {
    guard: "max-archive",
    limit: "count" in limit ? limit.count : Math.floor((limit.percent * scope.live) / 100),
    given: allowed,
    would: archives,
    message: `--max-archive ${allowed}: this plan would archive ${formatCount(archives)} of the ${formatCount(scope.live)} in-scope runs (${formatShare(share)})`,
    override: `--max-archive ${archives}`,
  };
}

function formatShare(percent: number): string {
  return `${Number.isInteger(percent) ? percent : percent.toFixed(1)}%`;
}
