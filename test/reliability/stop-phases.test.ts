import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apply } from "../../src/apply/apply.js";
import { applyPlanFile } from "../../src/apply/apply-plan-file.js";
import { CUT_OFF_INTERRUPTED, NOT_ATTEMPTED_INTERRUPTED } from "../../src/apply/execute.js";
import type { RowResult } from "../../src/apply/work.js";
import { main } from "../../src/cli/main.js";
import { type Emulator, type SeedRun, startEmulator } from "../../src/emulator/index.js";
import { createSiftClient } from "../../src/sift/client.js";
import { captureIo } from "../helpers/io.js";
import { type FaultProxy, isRead, startFaultProxy } from "./support/fault-proxy.js";

/**
 * Issue 18.4 through the library, phase by phase: whatever the apply is doing when it is
 * stopped (looking runs up, writing, archiving, applying a saved plan), no new request starts,
 * the requests under way are cut off after the grace (short here: the CLI's is 5 s), and every
 * row is reported: cut off, or never attempted, with the reason.
 */

const RUNS = 30;
const GRACE_MS = 100;
let emulator: Emulator | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await emulator?.close();
  proxy = emulator = undefined;
});

function manifest(n = RUNS): string {
  const dir = mkdtempSync(join(tmpdir(), "srs-stop-"));
  const rows = Array.from({ length: n }, (_, i) => `st-${i},Run ${i}`);
  writeFileSync(join(dir, "runs.csv"), `clientKey,name\n${rows.join("\n")}\n`);
  return join(dir, "runs.csv");
}

async function stopWhenHung(controller: AbortController, hung: number): Promise<void> {
  while (proxy!.hung() < hung) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
}

function byReason(rows: RowResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) {
    const key = `${row.outcome.status}: ${"error" in row.outcome ? row.outcome.error : ""}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function setUp(hang: (req: { method?: string; url?: string }) => boolean, runs?: SeedRun[]) {
  emulator = await startEmulator({ port: 0, seed: { runs } });
  proxy = await startFaultProxy(emulator.url, (req) => (hang(req) ? "hang" : "forward"));
  return createSiftClient({ baseUrl: proxy.url, apiKey: "local", concurrency: 4 });
}

describe("an apply stopped", () => {
  it("while looking runs up: every row skipped, not attempted", async () => {
    const client = await setUp(() => true);
    const rows: RowResult[] = [];
    const controller = new AbortController();
    const applying = apply({
      paths: [manifest()],
      client,
      signal: controller.signal,
      stopGraceMs: GRACE_MS,
      onResult: (row) => rows.push(row),
    });
    await stopWhenHung(controller, 1);
    const result = await applying;
    expect(result.interrupted).toBe(true);
    expect(rows).toHaveLength(RUNS);
    expect(byReason(rows)).toEqual({ [`skipped: ${NOT_ATTEMPTED_INTERRUPTED}`]: RUNS });
    expect(result.skipped).toBe(RUNS);
  });

  it("while writing: the writes under way cut off and said so, the rest not attempted", async () => {
    const client = await setUp((req) => !isRead(req as never));
    const rows: RowResult[] = [];
    const controller = new AbortController();
    const applying = apply({
      paths: [manifest()],
      client,
      concurrency: 4,
      signal: controller.signal,
      stopGraceMs: GRACE_MS,
      onResult: (row) => rows.push(row),
    });
    await stopWhenHung(controller, 4);
    const result = await applying;
    expect(rows).toHaveLength(RUNS);
    expect(byReason(rows)).toEqual({
      [`skipped: ${CUT_OFF_INTERRUPTED}`]: 4,
      [`skipped: ${NOT_ATTEMPTED_INTERRUPTED}`]: RUNS - 4,
    });
    const cutOff = rows.filter(
      (r) => "error" in r.outcome && r.outcome.error === CUT_OFF_INTERRUPTED,
    );
    expect(cutOff.map((r) => r.outcome.action)).toEqual(["create", "create", "create", "create"]);
    expect(result).toMatchObject({ interrupted: true, created: 0, skipped: RUNS });
  });

  it("while a create's follow-up is under way: skipped with its run, saying it was created", async () => {
    const client = await setUp((req) => req.method === "PATCH");
    const dir = mkdtempSync(join(tmpdir(), "srs-stop-pin-"));
    writeFileSync(join(dir, "runs.csv"), "clientKey,name,isPinned\npin-1,Pinned,true\n");
    const rows: RowResult[] = [];
    const controller = new AbortController();
    const applying = apply({
      paths: [join(dir, "runs.csv")],
      client,
      signal: controller.signal,
      stopGraceMs: GRACE_MS,
      onResult: (row) => rows.push(row),
    });
    await stopWhenHung(controller, 1);
    await applying;
    const [run] = emulator!.runs();
    expect(rows).toEqual([
      {
        clientKey: "pin-1",
        source: expect.stringMatching(/runs\.csv:2$/),
        outcome: {
          status: "skipped",
          action: "create",
          runId: run!.runId,
          error:
            "created, but interrupted while setting isPinned (it may or may not be set); run the same command again to finish",
        },
      },
    ]);
  });

  it("while archiving: the archives are reported too", async () => {
    const inSift: SeedRun[] = Array.from({ length: 10 }, (_, i) => ({
      clientKey: `old-${i}`,
      name: `Old ${i}`,
    }));
    const client = await setUp((req) => req.method === "PATCH", inSift);
    const rows: RowResult[] = [];
    const controller = new AbortController();
    const applying = apply({
      paths: [manifest(2)],
      client,
      signal: controller.signal,
      stopGraceMs: GRACE_MS,
      archiveMissing: { scope: "client_key.startsWith('old-')", maxArchive: { percent: 100 } },
      onResult: (row) => rows.push(row),
    });
    await stopWhenHung(controller, 4);
    const result = await applying;
    expect(rows).toHaveLength(12);
    const archives = rows.filter((r) => r.outcome.action === "archive");
    expect(archives).toHaveLength(10);
    expect(archives.every((r) => r.outcome.status === "skipped")).toBe(true);
    expect(
      archives.filter((r) => "error" in r.outcome && r.outcome.error === CUT_OFF_INTERRUPTED)
        .length,
    ).toBeGreaterThan(0);
    expect(result.archived).toBe(0);
  });

  it("applying a saved plan: every change reported", async () => {
    emulator = await startEmulator({ port: 0 });
    let hang = false;
    proxy = await startFaultProxy(emulator.url, (req) =>
      hang && !isRead(req) ? "hang" : "forward",
    );
    const path = manifest();
    const out = join(mkdtempSync(join(tmpdir(), "srs-stop-plan-")), "plan.json");
    const io = captureIo({ SIFT_REST_URI: proxy.url, SIFT_API_KEY: "local" });
    expect(await main(["plan", path, "--out", out], io)).toBe(0);
    hang = true;
    const rows: RowResult[] = [];
    const controller = new AbortController();
    const applying = applyPlanFile({
      path: out,
      client: createSiftClient({ baseUrl: proxy.url, apiKey: "local", concurrency: 4 }),
      target: proxy.url,
      signal: controller.signal,
      stopGraceMs: GRACE_MS,
      onResult: (row) => rows.push(row),
    });
    await stopWhenHung(controller, 4);
    const result = await applying;
    expect(result.interrupted).toBe(true);
    expect(rows).toHaveLength(RUNS);
    expect(byReason(rows)).toEqual({
      [`skipped: ${CUT_OFF_INTERRUPTED}`]: 4,
      [`skipped: ${NOT_ATTEMPTED_INTERRUPTED}`]: RUNS - 4,
    });
  });
});
