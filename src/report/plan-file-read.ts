import { open as openFile, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { PlanFileError } from "../core/errors.js";
import { READABLE_PLAN_VERSIONS } from "./json-report.js";
import {
  type PlanHead,
  planHeadSchema,
  planSummarySchema,
  type SavedChange,
  type SavedPlan,
  savedChangeSchema,
} from "./plan-file-schema.js";

/** How many schema issues a "not a valid plan file" message lists. */
const MAX_LISTED_ISSUES = 3;

/** Our own layout: the head on line 1, one change per line, the summary on the last line. */
const HEAD_END = ',"changes":[';
const SUMMARY_START = '],"summary":';

/** A saved plan opened for streaming: its head now, its changes one at a time. */
export interface PlanFileStream {
  head: PlanHead;
  /**
   * Each change, validated as it is read. Throws a PlanFileError at the first broken entry, or
   * at the end when the file stops before its summary — so check a plan whole (iterate once)
   * before acting on it if a broken file must not leave half the work done.
   */
  changes: AsyncIterable<SavedChange>;
  /** Releases the file when the changes will not be read to the end. */
  close(): void;
}

/**
 * Reads and checks a whole saved plan. A plan of another format version, a file that is not
 * JSON, or one whose shape is wrong is a PlanFileError naming the file.
 */
export async function readPlanFile(path: string): Promise<SavedPlan> {
  const { head, changes, summary } = await open(path);
  const all: SavedChange[] = [];
  for await (const change of changes) all.push(change);
  return { ...head, changes: all, summary: summary() };
}

/** Opens a saved plan for streaming (a million-run plan need not fit in memory). */
export async function openPlanFile(path: string): Promise<PlanFileStream> {
  const { head, changes, close } = await open(path);
  return { head, changes, close };
}

interface Opened extends PlanFileStream {
  /** The summary, once `changes` has been read to the end. */
  summary(): SavedPlan["summary"];
}

async function open(path: string): Promise<Opened> {
  const handle = await openFile(path).catch((error: unknown) => {
    throw unreadable(path, error);
  });
  const input = handle.createReadStream({ encoding: "utf8" });
  const lines = createInterface({
    input,
    crlfDelay: Number.POSITIVE_INFINITY,
  })[Symbol.asyncIterator]();
  const first = await lines.next().catch((error: unknown) => {
    input.destroy();
    throw unreadable(path, error);
  });
  if (first.done || !first.value.startsWith("{") || !first.value.endsWith(HEAD_END)) {
    // Not in our line layout (say, pretty-printed by jq): read it whole.
    input.destroy();
    return openWhole(path);
  }
  let head: PlanHead;
  try {
    head = checkHead(parseJson(`${first.value.slice(0, -HEAD_END.length)}}`, path, 1), path);
  } catch (error) {
    input.destroy();
    throw error;
  }
  let summary: SavedPlan["summary"] | undefined;
  async function* changes(): AsyncGenerator<SavedChange> {
    let lineNo = 1;
    try {
      for await (const line of { [Symbol.asyncIterator]: () => lines }) {
        lineNo += 1;
        if (summary !== undefined) {
          if (line.trim() === "") continue;
          throw new PlanFileError(`${path}:${lineNo}: unexpected text after the plan's summary`);
        }
        if (line.startsWith(SUMMARY_START)) {
          const tail = parseJson(`{${line.slice(2)}`, path, lineNo) as { summary?: unknown };
          summary = check(planSummarySchema, tail.summary, `${path}:${lineNo} summary`);
          continue;
        }
        const text = line.endsWith(",") ? line.slice(0, -1) : line;
        yield check(savedChangeSchema, parseJson(text, path, lineNo), `${path}:${lineNo}`);
      }
    } catch (error) {
      throw error instanceof PlanFileError ? error : unreadable(path, error);
    } finally {
      input.destroy();
    }
    if (summary === undefined) {
      throw new PlanFileError(`${path} ends before the plan's summary (is it truncated?)`);
    }
  }
  return {
    head,
    changes: changes(),
    summary: () => summary!,
    close: () => input.destroy(),
  };
}

/** The fallback for a plan file reformatted by another tool: one JSON document, read whole. */
async function openWhole(path: string): Promise<Opened> {
  const text = await readFile(path, "utf8").catch((error: unknown) => {
    throw unreadable(path, error);
  });
  const document = parseJson(text, path);
  const head = checkHead(document, path);
  const body = document as { changes?: unknown; summary?: unknown };
  if (!Array.isArray(body.changes)) {
    throw new PlanFileError(`invalid plan file ${path}: changes: expected an array`);
  }
  const entries = body.changes;
  const summary = check(planSummarySchema, body.summary, `${path} summary`);
  async function* changes(): AsyncGenerator<SavedChange> {
    for (const [i, entry] of entries.entries()) {
      yield check(savedChangeSchema, entry, `${path} changes[${i}]`);
    }
  }
  return { head, changes: changes(), summary: () => summary, close: () => {} };
}

/** The version first: a newer file should say so, not list schema differences. */
function checkHead(document: unknown, path: string): PlanHead {
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

function check<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const at = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return `${at}${issue.message}`;
  });
  throw new PlanFileError(`invalid plan file ${where}: ${issues.join("; ")}`);
}

function parseJson(text: string, path: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = line === undefined ? path : `${path}:${line}`;
    throw new PlanFileError(`${where} is not valid JSON: ${reasonOf(error)}`, { cause: error });
  }
}

function unreadable(path: string, error: unknown): PlanFileError {
  return new PlanFileError(`cannot read the plan file ${path}: ${reasonOf(error)}`, {
    cause: error,
  });
}

function reasonOf(error: unknown): string {
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
