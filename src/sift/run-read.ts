import type { Timestamp } from "../time/timestamp.js";
import { isJsonObject, isMetadataValue, type Run } from "./schemas.js";

/**
 * runSchema's output, built without zod for a run of the usual shape: every field absent,
 * `null` (read as absent, as dropNulls does) or of its type. Anything else answers `undefined`,
 * and zod reads the answer instead (and words what is wrong with it). The output is zod's to
 * the key order: the schema's fields in order, an absent optional one left out, an absent one
 * with a default given it, unknown fields dropped, lists copied.
 *
 * NOTE: why not zod for every run: in the client, between requests, zod's parse of a ~1 KB run
 * costs 13 µs (median) and ~45 µs of CPU per create answer all told, against ~2 µs in a loop of
 * parses alone (docs/performance.md, "The client's CPU per run"). Only JSON.parse's output is
 * read here: it has no `undefined` values, getters or inherited fields.
 */
export function readRun(value: unknown): Run | undefined {
  if (!isJsonObject(value)) return undefined;
  const { runId } = value;
  if (typeof runId !== "string") return undefined;
  const run: Record<string, unknown> = { runId };
  if (
    !optionalText(value, run, "createdDate") ||
    !optionalText(value, run, "modifiedDate") ||
    !text(value, run, "createdByUserId") ||
    !text(value, run, "modifiedByUserId") ||
    !text(value, run, "organizationId") ||
    !optionalText(value, run, "startTime") ||
    !optionalText(value, run, "stopTime") ||
    !flag(value, run, "isPinned") ||
    !text(value, run, "name") ||
    !text(value, run, "description") ||
    !texts(value, run, "tags") ||
    !text(value, run, "defaultReportId") ||
    !optionalText(value, run, "clientKey") ||
    !metadata(value, run) ||
    !texts(value, run, "assetIds") ||
    !optionalText(value, run, "archivedDate") ||
    !flag(value, run, "isArchived") ||
    !flag(value, run, "isAdhoc") ||
    !optionalText(value, run, "duration")
  ) {
    return undefined;
  }
  return run as Run;
}

/** listRunsResponseSchema's output without zod, or `undefined` (see readRun). */
export function readRunList(value: unknown): { runs: Run[]; nextPageToken: string } | undefined {
  if (!isJsonObject(value)) return undefined;
  // NOTE: `?? []` would not do: the answer's own fields are not read through dropNulls, and a
  // `null` list or token fails the schema.
  const listed = value.runs === undefined ? [] : value.runs;
  if (!Array.isArray(listed)) return undefined;
  const runs: Run[] = new Array<Run>(listed.length);
  for (let i = 0; i < listed.length; i++) {
    const run = readRun(listed[i]);
    if (run === undefined) return undefined;
    runs[i] = run;
  }
  const token = value.nextPageToken === undefined ? "" : value.nextPageToken;
  if (typeof token !== "string") return undefined;
  return { runs, nextPageToken: token };
}

/** runResponseSchema's output without zod, or `undefined` (see readRun). */
export function readRunAnswer(value: unknown): { run: Run } | undefined {
  if (!isJsonObject(value)) return undefined;
  const run = readRun(value.run);
  return run === undefined ? undefined : { run };
}

type Fields = Record<string, unknown>;

/** A string field with a default of "" (`z.string().default("")`). */
function text(from: Fields, to: Fields, field: string): boolean {
  const value = from[field] ?? "";
  to[field] = value;
  return typeof value === "string";
}

/** An optional string or timestamp (`z.string().optional()`): absent stays absent. */
function optionalText(from: Fields, to: Fields, field: string): boolean {
  const value = from[field];
  if (value === undefined || value === null) return true;
  to[field] = value as string | Timestamp;
  return typeof value === "string";
}

/** A boolean with a default of false. */
function flag(from: Fields, to: Fields, field: string): boolean {
  const value = from[field] ?? false;
  to[field] = value;
  return typeof value === "boolean";
}

/** A list of strings with a default of [], copied. */
function texts(from: Fields, to: Fields, field: string): boolean {
  const value = from[field] ?? [];
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== "string") return false;
  to[field] = value.slice();
  return true;
}

/** The metadata list (default []), copied; its entries passed on as they are. */
function metadata(from: Fields, to: Fields): boolean {
  const value = from.metadata ?? [];
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!isMetadataValue(item)) return false;
  to.metadata = value.slice();
  return true;
}
