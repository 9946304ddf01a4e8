import type { z } from "zod";
import { PlanFileError } from "../core/errors.js";
import { READABLE_PLAN_VERSIONS } from "./json-report.js";
import { type PlanHead, planHeadSchema } from "./plan-file-schema.js";

/**
 * Whether a plan file's content is a plan sift-run-sync wrote, and for this API: its version,
 * its head, each change against the schemas, as JSON at all. Errors name the file and line.
 */

/** How many schema issues a "not a valid plan file" message lists. */
const MAX_LISTED_ISSUES = 3;

/** `"tv-001": `, the clientKey of an entry, for messages (when it has one). */
export function keyOf(entry: unknown): string {
  const key = (entry as { clientKey?: unknown } | null)?.clientKey;
  return typeof key === "string" && key.length <= 512 ? `${JSON.stringify(key)}: ` : "";
}

/** The version first: a newer file should say so, not list schema differences. */
export function checkHead(document: unknown, path: string): PlanHead {
  const version = (document as { version?: unknown } | null)?.version;
  if (typeof document !== "object" || document === null || version === undefined) {
    throw new PlanFileError(`${path} is not a sift-run-sync plan file (no "version")`);
  }
  if (typeof version !== "number" || !READABLE_PLAN_VERSIONS.includes(version)) {
    throw new PlanFileError(
      `${path}: plan file version ${JSON.stringify(version)} is not supported by this sift-run-sync (expects ${READABLE_PLAN_VERSIONS.join(" or ")})`,
    );
  }
  return check(planHeadSchema, document, path);
}

export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  subject = "",
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const at = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return `${at}${issue.message}`;
  });
  throw new PlanFileError(`invalid plan file ${where}: ${subject}${issues.join("; ")}`);
}

export function parseJson(text: string, path: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = line === undefined ? path : `${path}:${line}`;
    throw new PlanFileError(`${where} is not valid JSON: ${reasonOf(error)}`, { cause: error });
  }
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `apply --plan` applies a plan only to the API it was made against (contract §5). URLs are
 * compared in normal form: `https://API.example.com/` equals `https://api.example.com`.
 */
export function checkPlanTarget(head: PlanHead, apiUrl: string, path: string): void {
  if (normaliseUrl(head.target) === normaliseUrl(apiUrl)) return;
  throw new PlanFileError(
    `${path} was made for ${head.target}, not ${apiUrl}; make a new plan against this API`,
  );
}

function normaliseUrl(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, "");
  } catch {
    return url.replace(/\/+$/, "");
  }
}
