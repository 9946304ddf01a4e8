import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportThenPlan, exportTo, expectNoChanges } from "../export/export-helpers.js";
import { manifestDir, planJson, runCli, SEED, useEmulator } from "./harness.js";

/**
 * Answers Sift refuses for their size (429, code 8, "grpc: received message larger than
 * max"): plan, apply and export page through them with smaller pages, and a run too large to
 * be sent even alone is one clear error at the row that names it.
 */

/** ~10.4 KB each: 3 fit in a 35,000-byte answer, 7 do not. */
const WIDE = Array.from({ length: 40 }, (_, i) => ({
  clientKey: `wide-${String(i).padStart(2, "0")}`,
  name: `Wide ${i}`,
  description: "d".repeat(10_000),
}));

const emulator = useEmulator({ maxAnswerBytes: 35_000, seed: { ...SEED, runs: WIDE } });

const manifest = (rows: { clientKey: string; name: string }[]) =>
  manifestDir({
    "runs.csv": `clientKey,name\n${rows.map((r) => `${r.clientKey},${r.name}`).join("\n")}\n`,
  });

describe("lookups whose answer is too large", () => {
  it("plan finds every run with smaller pages: No changes", async () => {
    emulator().resetStats();
    const { plan } = await planJson(emulator(), [manifest(WIDE)]);
    expect(plan.summary).toMatchObject({ unchanged: 40, create: 0, update: 0, invalid: 0 });
    expect(emulator().stats().tooLarge).toBeGreaterThan(0);
    expect(emulator().stats().writes).toBe(0);
  });

  it("apply updates every run (nothing is created twice)", async () => {
    const renamed = WIDE.map((r) => ({ ...r, name: `${r.name} renamed` }));
    const applied = await runCli(emulator(), ["apply", manifest(renamed)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 0 created, 40 updated, 0 unchanged, 0 failed/);
    expect(emulator().runs()).toHaveLength(40);
    const again = await planJson(emulator(), [manifest(renamed)]);
    expect(again.plan.summary).toMatchObject({ unchanged: 40 });
  });

  it("export pages through them and plans back to No changes", async () => {
    const { plan, text } = await exportThenPlan(emulator(), "yaml");
    expect(plan.changes).toHaveLength(40);
    expectNoChanges(plan, text);
  });
});

describe("a run too large to be sent even alone", () => {
  it("plan ends in one error at the row whose run it is, and writes nothing", async () => {
    emulator().load({
      runs: [{ clientKey: "huge-1", name: "Huge", description: "h".repeat(50_000) }],
    });
    const rows = [...WIDE.slice(0, 20), { clientKey: "huge-1", name: "Huge" }, ...WIDE.slice(20)];
    const dir = manifest(rows);
    emulator().resetStats();
    const result = await runCli(emulator(), ["apply", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `error: ${escape(join(dir, "runs.csv"))}:22 clientKey: the run of "huge-1" in Sift is larger than Sift sends in one answer, even alone \\(GET /api/v2/runs: grpc: received message larger than max \\(\\d+ vs\\. 35000\\)\\); this tool cannot read it through the REST API`,
      ),
    );
    expect(emulator().stats().writes).toBe(0);
    // Located by halving the batch: a bounded number of requests, no loop.
    expect(emulator().stats().requests.ListRuns).toBeLessThan(200);
  });

  it("export stops with one error naming the listing, and leaves no file", async () => {
    const exported = await exportTo(emulator(), "csv");
    expect(exported.code).toBe(1);
    expect(exported.stderr).toMatch(
      /a single run is larger than the API sends in one answer, even with pageSize 1 \(ListRuns with filter "is_archived == false": the run after the first \d+\); it cannot be read through the REST API/,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
