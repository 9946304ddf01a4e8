import { open as openFile, readFile } from "node:fs/promises";
import { PlanFileError } from "../core/errors.js";
import { check, checkHead, keyOf, parseJson, reasonOf } from "./plan-file-check.js";
import { createPlanDigest, digestPlanDocument, type PlanDigest } from "./plan-file-digest.js";
import {
  type PlanHead,
  planSummarySchema,
  refusalsSchema,
  type SavedChange,
  type SavedPlan,
  savedChangeSchema,
} from "./plan-file-schema.js";
import { boundedLines, LineTooLong, mib } from "./plan-file-lines.js";
import { createPlanVerifier, refusePlan } from "./plan-file-verify.js";

/**
 * Size bounds, checked as the file is read (a tampered or foreign file must not exhaust memory
 * before it is refused). A plan of a million runs takes some 0.6-2 GB; one change, a line, at
 * most a few MiB (a manifest row is at most 1 MiB, its fields and request repeat it). A file
 * not in our line layout (reformatted by another tool) is parsed whole, so it has less room.
 */
export const MAX_PLAN_FILE_BYTES = 4 * 1024 ** 3;
const MAX_PLAN_LINE_CHARS = 16 * 1024 ** 2;
const MAX_WHOLE_PLAN_BYTES = 64 * 1024 ** 2;

/** Our own layout: the head on line 1, one change per line, the summary on the last line. */
const HEAD_END = ',"changes":[';
const SUMMARY_START = '],"summary":';

/** A saved plan opened for streaming: its head now, its changes one at a time. */
export interface PlanFileStream {
  head: PlanHead;
  /**
   * Each change, validated and checked against its reviewed parts as it is read. Throws a
   * PlanFileError at the end when any entry was broken or did not match (a broken entry is
   * never yielded), or the file does not hang together (counts, duplicates), or it stops
   * before its summary — so check a plan whole (iterate once) before acting on it.
   */
  changes: AsyncIterable<SavedChange>;
  /** The plan's digest (see plan-file-digest.ts), once `changes` has been read to the end. */
  digest(): string;
  /**
   * The guards that refused the plan when it was made (a plan saved with its refusal), once
   * `changes` has been read to the end; undefined when none did.
   */
  refusals(): SavedPlan["refusals"];
  /** Releases the file when the changes will not be read to the end. */
  close(): void;
}

/**
 * Reads and checks a whole saved plan. A plan of another format version, a file that is not
 * JSON, or one whose shape is wrong is a PlanFileError naming the file.
 */
export async function readPlanFile(path: string): Promise<SavedPlan & { digest: string }> {
  const { head, changes, summary, digest, refusals } = await open(path, path);
  const all: SavedChange[] = [];
  for await (const change of changes) all.push(change);
  const refused = refusals();
  return {
    ...head,
    changes: all,
    summary: summary(),
    ...(refused && { refusals: refused }),
    digest: digest(),
  };
}

/**
 * Opens a saved plan for streaming (a million-run plan need not fit in memory). `source` is the
 * file to read when it is not `path` (a private copy); messages name `path`.
 */
export async function openPlanFile(path: string, source = path): Promise<PlanFileStream> {
  const { head, changes, close, digest, refusals } = await open(path, source);
  return { head, changes, close, digest, refusals };
}

interface Opened extends PlanFileStream {
  /** The summary, once `changes` has been read to the end. */
  summary(): SavedPlan["summary"];
}

/** Collects what is wrong with the entries; thrown once the whole file has been read. */
function createChecks(head: PlanHead, path: string) {
  const verifier = createPlanVerifier(head);
  const problems: string[] = [];
  return {
    /** Whether the entry is sound (a broken one is not handed on). */
    entry(change: SavedChange, where: string): boolean {
      const found = verifier.entry(change);
      for (const problem of found) problems.push(`${where} ${change.clientKey}: ${problem}`);
      return found.length === 0;
    },
    end(summary: Record<string, number>, where: string): void {
      for (const problem of verifier.end(summary)) problems.push(`${where} ${problem}`);
      const why =
        "is not the plan that was made: its requests and counts must be what its entries show";
      refusePlan(path, why, problems);
    },
  };
}

async function open(path: string, source: string): Promise<Opened> {
  const handle = await openFile(source).catch((error: unknown) => {
    throw unreadable(path, error);
  });
  const info = await handle.stat().catch((error: unknown) => {
    void handle.close();
    throw unreadable(path, error);
  });
  if (info.isFile() && info.size > MAX_PLAN_FILE_BYTES) {
    await handle.close();
    throw tooLarge(path, info.size, MAX_PLAN_FILE_BYTES);
  }
  const input = handle.createReadStream({ encoding: "utf8" });
  const lines = boundedLines(input, MAX_PLAN_LINE_CHARS)[Symbol.asyncIterator]();
  const first = await lines.next().catch((error: unknown) => {
    input.destroy();
    if (error instanceof LineTooLong) return { done: true, value: undefined } as const;
    throw unreadable(path, error);
  });
  if (first.done || !first.value.startsWith("{") || !first.value.endsWith(HEAD_END)) {
    // Not in our line layout (say, pretty-printed by jq): read it whole.
    input.destroy();
    return openWhole(path, source, info.isFile() ? info.size : undefined);
  }
  let head: PlanHead;
  let digest: PlanDigest;
  try {
    const raw = parseJson(`${first.value.slice(0, -HEAD_END.length)}}`, path, 1);
    head = checkHead(raw, path);
    digest = createPlanDigest(raw as Record<string, unknown>);
  } catch (error) {
    input.destroy();
    throw error;
  }
  const checks = createChecks(head, path);
  let summary: SavedPlan["summary"] | undefined;
  let refusals: SavedPlan["refusals"];
  let digested: string | undefined;
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
          const tail = parseJson(`{${line.slice(2)}`, path, lineNo) as Record<string, unknown>;
          summary = check(planSummarySchema, tail.summary, `${path}:${lineNo} summary`);
          refusals = check(refusalsSchema, tail.refusals, `${path}:${lineNo} refusals`);
          checks.end(summary, `${path}:${lineNo}`);
          digested = endDigest(digest, tail, `${path}:${lineNo}`);
          continue;
        }
        const text = line.endsWith(",") ? line.slice(0, -1) : line;
        const raw = parseJson(text, path, lineNo);
        digest.addEntry(raw);
        const change = check(savedChangeSchema, raw, `${path}:${lineNo}`, keyOf(raw));
        if (checks.entry(change, `${path}:${lineNo}`)) yield change;
      }
    } catch (error) {
      if (error instanceof LineTooLong) throw lineTooLong(path, lineNo + 1);
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
    digest: () => digested!,
    refusals: () => refusals,
    close: () => input.destroy(),
  };
}

/** The fallback for a plan file reformatted by another tool: one JSON document, read whole. */
async function openWhole(path: string, source: string, size: number | undefined): Promise<Opened> {
  if (size !== undefined && size > MAX_WHOLE_PLAN_BYTES) {
    throw new PlanFileError(
      `${path} is not in the layout plan --out writes (one change per line), so it would be read whole, and it is ${mib(size)}: at most ${mib(MAX_WHOLE_PLAN_BYTES)} are read whole (apply the file plan --out wrote)`,
    );
  }
  const text = await readFile(source, "utf8").catch((error: unknown) => {
    throw unreadable(path, error);
  });
  if (text.length > MAX_WHOLE_PLAN_BYTES) throw tooLarge(path, text.length, MAX_WHOLE_PLAN_BYTES);
  const document = parseJson(text, path);
  const head = checkHead(document, path);
  const body = document as { changes?: unknown; summary?: unknown; refusals?: unknown };
  if (!Array.isArray(body.changes)) {
    throw new PlanFileError(`invalid plan file ${path}: changes: expected an array`);
  }
  const entries = body.changes;
  const summary = check(planSummarySchema, body.summary, `${path} summary`);
  const refusals = check(refusalsSchema, body.refusals, `${path} refusals`);
  const digest = digestPlanDocument(document as Record<string, unknown>);
  const checks = createChecks(head, path);
  async function* changes(): AsyncGenerator<SavedChange> {
    for (const [i, entry] of entries.entries()) {
      const change = check(savedChangeSchema, entry, `${path} changes[${i}]`, keyOf(entry));
      if (checks.entry(change, `${path} changes[${i}]`)) yield change;
    }
    checks.end(summary, `${path}`);
  }
  return {
    head,
    changes: changes(),
    summary: () => summary,
    digest: () => digest,
    refusals: () => refusals,
    close: () => {},
  };
}

function endDigest(digest: PlanDigest, tail: Record<string, unknown>, where: string): string {
  try {
    return digest.end(tail);
  } catch (error) {
    throw new PlanFileError(`${where}: ${reasonOf(error)} (not a plan sift-run-sync wrote)`);
  }
}

function lineTooLong(path: string, line: number): PlanFileError {
  return new PlanFileError(
    `${path}:${line}: one change is longer than ${mib(MAX_PLAN_LINE_CHARS)}, more than any plan sift-run-sync writes holds (was it edited?); nothing was written`,
    { nothingWritten: true },
  );
}

function tooLarge(path: string, size: number, max: number): PlanFileError {
  return new PlanFileError(
    `${path} is ${mib(size)}: a saved plan is at most ${mib(max)} (split the manifests, or plan with --shard K/N)`,
  );
}

function unreadable(path: string, error: unknown): PlanFileError {
  return new PlanFileError(`cannot read the plan file ${path}: ${reasonOf(error)}`, {
    cause: error,
  });
}
