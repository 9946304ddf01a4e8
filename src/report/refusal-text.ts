import type { Refusal } from "../core/errors.js";
import { guardFlag } from "../plan/guard.js";
import { markdownCode, markdownText } from "./markdown-text.js";
import { escapeControl } from "./safe-text.js";

/**
 * The table report's line for a guard's refusal: the guard and its limit, what the plan would
 * do, and the flag that lets it through:
 * `Refused (exit 3): --max-changes 10: the plan would change 20 runs (...), more than 10; apply writes nothing. Once the plan is checked, --max-changes 20 lets it through.`
 */
export function formatRefusalLine(refusal: Refusal): string {
  return `Refused (exit 3): ${escapeControl(refusal.message)}; apply writes nothing. Once the plan is checked, ${escapeControl(refusal.override)} lets it through.`;
}

/**
 * The Markdown section a refused plan opens with, so a pull request comment says why its
 * check is red: which guard, the limit, what the plan would do, how to override it.
 */
export function renderRefusalSection(refusals: readonly Refusal[]): string {
  const guards = refusals.map((r) => markdownCode(guardFlag(r))).join(" and ");
  const items = refusals
    .map(
      (r) =>
        `- ${markdownText(r.message)}. Once the changes below are checked, ${markdownCode(r.override)} lets them through.\n`,
    )
    .join("");
  return `### ⛔ Refused by ${guards}\n\nApply would write nothing (exit 3):\n\n${items}\n`;
}
