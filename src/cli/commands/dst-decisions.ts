import type { Logger } from "../../core/logger.js";
import { plural } from "../../core/words.js";

// Its own module: validate prints these, and shared.ts (plan and apply's helpers) would load
// the diff and the adopt-by rules into every validate.

/**
 * The local times a `dst` rule decided (`3 local times resolved by dst: later (the first at
 * flights.csv:2)`): not problems, but decisions the user should see. validate prints them;
 * plan and apply log them.
 */
export function dstDecisionLines(
  resolved: Readonly<Record<string, { count: number; first: string }>> | undefined,
): string[] {
  return Object.entries(resolved ?? {}).map(
    ([by, { count, first }]) =>
      `${plural(count, "local time")} resolved by ${by} (the first at ${first})`,
  );
}

export function logDstDecisions(
  logger: Logger,
  resolved: Parameters<typeof dstDecisionLines>[0],
): void {
  // At warn, so a default run shows it: a decision made for the user, like a skipped key.
  for (const line of dstDecisionLines(resolved)) logger.warn(line);
}
