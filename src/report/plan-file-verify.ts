import { shardOf } from "../plan/shard.js";
import { PlanFileError } from "../core/errors.js";
import type { PlanHead, SavedChange } from "./plan-file-schema.js";
import { checkEntry } from "./plan-file-verify-entry.js";

/**
 * A saved plan applies only what was reviewed: each entry's request must be exactly the one
 * its reviewed parts describe (clientKey, runId, updateMask, and each field old → new), and the
 * file must hang together (one entry per clientKey and per run, counts that match, archives only
 * in a plan made with --archive-missing). Pure checks of the file alone; what needs Sift (old
 * values, kept metadata, asset names) is checked by apply before it writes anything.
 */
export interface PlanVerifier {
  /** The problems of one entry, `[]` when it is sound. */
  entry(change: SavedChange): string[];
  /** The problems of the whole file, once every entry has been seen. */
  end(summary: Record<string, number>): string[];
}

const UPDATES = new Set(["update", "adopt", "unarchive", "archive"]);
const SCOPED = new Set(["archive", "unarchive"]);
const VERSION_2_ACTIONS = new Set(["adopt", "archive", "unarchive"]);

export function createPlanVerifier(head: PlanHead): PlanVerifier {
  const keys = new Set<string>();
  const runIds = new Set<string>();
  const counts: Record<string, number> = { warnings: 0 };
  const shard = parseShard(head.options.shard);
  return {
    entry(change) {
      const problems = [...checkAgainstHead(change, head, shard), ...checkEntry(change)];
      if (keys.has(change.clientKey)) problems.push("a second entry for this clientKey");
      keys.add(change.clientKey);
      if ("runId" in change) {
        if (runIds.has(change.runId)) problems.push(`a second entry for run ${change.runId}`);
        runIds.add(change.runId);
      }
      counts[change.action] = (counts[change.action] ?? 0) + 1;
      counts.warnings! += change.warnings.length;
      return problems;
    },
    end(summary) {
      const problems: string[] = [];
      for (const [name, stated] of Object.entries(summary)) {
        const held = counts[name] ?? 0;
        if (stated !== held) {
          problems.push(`summary: says ${name} ${stated}, the entries hold ${held}`);
        }
      }
      for (const name of Object.keys(counts)) {
        if (!(name in summary)) problems.push(`summary: has no count of ${name}`);
      }
      return problems;
    },
  };
}

function checkAgainstHead(
  change: SavedChange,
  head: PlanHead,
  shard: { index: number; count: number } | undefined,
): string[] {
  const problems: string[] = [];
  const { action } = change;
  if (head.version === 1 && VERSION_2_ACTIONS.has(action)) {
    problems.push(`a version 1 plan cannot hold an ${action}`);
  }
  if (SCOPED.has(action) && !head.options.archiveScope) {
    problems.push(`an ${action} in a plan made without --archive-missing (no archiveScope)`);
  }
  const mode = head.options.mode ?? "upsert";
  if (mode === "create-only" && UPDATES.has(action)) {
    problems.push(`an ${action} in a plan made with --mode create-only`);
  }
  if (mode === "update-only" && action === "create") {
    problems.push("a create in a plan made with --mode update-only");
  }
  if (action === "adopt" && change.adoptedBy !== "runId" && head.options.adoptBy === undefined) {
    problems.push(`adopted by ${change.adoptedBy} in a plan made without --adopt-by`);
  }
  if (shard !== undefined && shardOf(change.clientKey, shard.count) !== shard.index) {
    problems.push(`not in shard ${shard.index}/${shard.count} of the plan`);
  }
  return problems;
}

function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  const match = text === undefined ? null : /^(\d+)\/(\d+)$/.exec(text);
  return match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
}

/** How many problems a refused plan's message lists. */
const MAX_LISTED_PROBLEMS = 5;

/** Refuses a plan with what is wrong with it (the first few problems, and how many more). */
export function refusePlan(path: string, why: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join("; ");
  const unlisted = problems.length - MAX_LISTED_PROBLEMS;
  const more = unlisted > 0 ? `; and ${unlisted} more` : "";
  throw new PlanFileError(
    `${path} ${why} (was it edited?); nothing was written: ${listed}${more}`,
    {
      nothingWritten: true,
    },
  );
}
