import { createHash } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { compareTimestamps, type Timestamp } from "../../src/time/timestamp.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";

/**
 * Starts an emulator on an ephemeral port for the test file (beforeAll/afterAll) and
 * returns a getter for it:
 * ```ts
 * const emulator = useEmulator({ seed: "fixtures/local-seed.yaml" });
 * it("...", async () => { await fetch(emulator().url + "/api/v2/runs", { headers: AUTH }); });
 * ```
 */
export function useEmulator(options: EmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return () => {
    if (emulator === undefined) throw new Error("useEmulator: the emulator is not started yet");
    return emulator;
  };
}

/** The default key's header. */
export const AUTH = { authorization: "Bearer local" } as const;

export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of every shape
  body: any;
}

/** One raw HTTP call to the emulator (no retries): `callApi(e, "GET", "/api/v2/runs")`. */
export async function callApi(
  emulator: Pick<Emulator, "url">,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
): Promise<ApiAnswer> {
  const response = await fetch(emulator.url + path, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (an injected HTML 502): keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Renames the run of `clientKey`, as a user in Sift's UI would (one PATCH): the answer's status. */
export async function renameInSift(
  emulator: Emulator,
  clientKey: string,
  name: string,
): Promise<number> {
  const run = emulator.runs().find((r) => r.clientKey === clientKey);
  if (run === undefined) throw new Error(`renameInSift: no run has clientKey ${clientKey}`);
  const answer = await callApi(emulator, "PATCH", "/api/v2/runs", {
    run: { runId: run.runId, name },
    updateMask: "name",
  });
  return answer.status;
}

/** True when timestamp `a` is a later instant than `b` (texts differ in length: compare instants). */
export function isAfter(a: string, b: string): boolean {
  return compareTimestamps(a as Timestamp, b as Timestamp) > 0;
}

/** `?filter=...&pageSize=...` with proper encoding. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

/**
 * A UUID for a seeded run, readable in a test: `uuidOf(7)` is
 * `00000000-0000-4000-8000-000000000007`. Sift's run ids are UUIDs, and the emulator, as Sift,
 * refuses any other id where it checks one (GetRun; a manifest `runId`).
 */
export function uuidOf(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/**
 * A UUID named by a label, the same on every call: `uuidFor("id-gd-9")`, for tests that seed
 * runs by a readable name and find them again. (md5 of the label, shaped as a version-4 UUID.)
 */
export function uuidFor(label: string): string {
  const h = createHash("md5").update(label).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
