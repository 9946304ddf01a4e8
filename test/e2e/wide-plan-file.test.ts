import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyPlanFile } from "../../src/apply/apply-plan-file.js";
import { CHECK_BATCH_CELLS } from "../../src/apply/saved-lookups.js";
import { SCALAR_CELLS } from "../../src/plan/plan-changes.js";
import { createSiftClient, type SiftClient } from "../../src/sift/client.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

/**
 * Issue 11, wide sheets in bounded memory, for `apply --plan FILE`: the saved changes checked
 * against Sift at once are bounded by cells, not only by count (1,000 runs of 400 metadata
 * values each are ~65 MB of JSON to look up at once).
 */
describe("apply --plan of a wide sheet", () => {
  const emulator = useEmulator();
  const COLUMNS = 400;
  const RUNS = 150;

  function wideSheet(): string {
    const header = ["clientKey", "name"];
    for (let k = 0; k < COLUMNS; k++) header.push(`metadata.col_${k}`);
    const rows = Array.from({ length: RUNS }, (_, i) => {
      const cells = [`wide-plan-${i}`, `Wide ${i}`];
      for (let k = 0; k < COLUMNS; k++) cells.push(`v${i}-${k}`);
      return cells.join(",");
    });
    return [header.join(","), ...rows, ""].join("\n");
  }

  /** The client, recording how many keys each clientKey lookup asks for. */
  function countingClient(): { client: SiftClient; lookups: number[] } {
    const real = createSiftClient({ baseUrl: emulator().url, apiKey: "local" });
    const lookups: number[] = [];
    const client: SiftClient = {
      ...real,
      listAllRuns(filter, params) {
        if (filter?.startsWith("client_key in ")) lookups.push(filter.split("','").length);
        return real.listAllRuns(filter, params);
      },
    };
    return { client, lookups };
  }

  it("checks a few wide runs per lookup, and applies every one, twice", async () => {
    const dir = manifestDir({ "wide.csv": wideSheet() });
    const path = join(dir, "plan.json");
    const planned = await runCli(emulator(), ["plan", join(dir, "wide.csv"), "--out", path]);
    expect(planned.code, planned.stderr).toBe(0);
    const target = (JSON.parse(readFileSync(path, "utf8")) as { target: string }).target;
    // A saved create weighs at least its metadata values; the runs found, as many.
    const mostPerLookup = Math.floor(CHECK_BATCH_CELLS / (SCALAR_CELLS + COLUMNS));

    const first = countingClient();
    const applied = await applyPlanFile({ path, client: first.client, target });
    expect(applied).toMatchObject({ created: RUNS, failed: 0, skipped: 0 });
    expect(first.lookups.reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(Math.max(...first.lookups)).toBeLessThanOrEqual(mostPerLookup);

    // Applied a second time: every run exists, each lookup answers 400 values per run.
    const second = countingClient();
    const again = await applyPlanFile({ path, client: second.client, target });
    expect(again).toMatchObject({ created: 0, unchanged: RUNS, failed: 0, skipped: 0 });
    expect(Math.max(...second.lookups)).toBeLessThanOrEqual(mostPerLookup);
  });
});
