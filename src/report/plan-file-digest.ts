import { createHash } from "node:crypto";
import stableStringify from "fast-json-stable-stringify";

/**
 * A saved plan's digest: `sha256:` and 64 hex digits, the SHA-256 of the plan's canonical JSON
 * (members sorted by their UTF-16 code units, no whitespace, numbers and strings as
 * `JSON.stringify` writes them: RFC 8785's JCS for any I-JSON document), with any top-level
 * `digest` member left out. Reformatting the file (`jq .`, another key order) keeps it;
 * changing any value changes it.
 *
 * NOTE: the digest protects only when it reaches `apply --expect-digest` through a channel the
 * file does not control (the reviewed pull-request comment, a CI job's output). A digest
 * written inside the file could be rewritten with it, so none is stored and none is trusted.
 */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Left out of the digest, so a file (or a tool) may carry its digest without changing it. */
const DIGEST_MEMBER = "digest";
/** Streamed: its entries are hashed one by one, never held together. */
const CHANGES = "changes";

export interface PlanDigest {
  /** The next entry of `changes`, as JSON data (parsed, or about to be written). */
  addEntry(entry: unknown): void;
  /**
   * The members after `changes` (the summary), then the digest. Throws when one of them sorts
   * before `changes`: it would have to be hashed first (only a file we did not write has one).
   */
  end(tail: Record<string, unknown>): string;
}

/**
 * The digest of a plan streamed as its head (every top-level member but `changes`, as known
 * before the changes), its entries one at a time, and its tail.
 */
export function createPlanDigest(head: Record<string, unknown>): PlanDigest {
  const hash = createHash("sha256");
  const members = new Map(Object.entries(head).filter(([key]) => counted(key, head[key])));
  const before = [...members.keys()].filter((key) => key < CHANGES).sort();
  const opening = before.map((key) => member(key, members.get(key))).join(",");
  hash.update(`{${opening}${opening === "" ? "" : ","}${JSON.stringify(CHANGES)}:[`);
  let first = true;
  return {
    addEntry(entry) {
      hash.update(`${first ? "" : ","}${canonical(entry)}`);
      first = false;
    },
    end(tail) {
      for (const [key, value] of Object.entries(tail)) {
        if (!counted(key, value)) continue;
        if (key < CHANGES) {
          throw new Error(`the member ${JSON.stringify(key)} comes after "changes"`);
        }
        members.set(key, value);
      }
      const after = [...members.keys()].filter((key) => key > CHANGES).sort();
      hash.update(`]${after.map((key) => `,${member(key, members.get(key))}`).join("")}}`);
      return `sha256:${hash.digest("hex")}`;
    },
  };
}

/** The digest of a whole plan document (read whole: a plan reformatted by another tool). */
export function digestPlanDocument(document: Record<string, unknown>): string {
  const { [DIGEST_MEMBER]: _, ...rest } = document;
  return `sha256:${createHash("sha256").update(canonical(rest)).digest("hex")}`;
}

function counted(key: string, value: unknown): boolean {
  return key !== DIGEST_MEMBER && key !== CHANGES && value !== undefined;
}

function member(key: string, value: unknown): string {
  return `${JSON.stringify(key)}:${canonical(value)}`;
}

/**
 * NOTE: fast-json-stable-stringify writes what JSON.stringify would, members sorted: a value is
 * hashed the same whether it is about to be written or has been read back (a NaN as `null`,
 * a lone surrogate escaped), where an RFC 8785 library refuses both.
 */
function canonical(value: unknown): string {
  return stableStringify(value);
}
