import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callApi, query, useEmulator } from "../helpers/emulator.js";

/**
 * `modified_date > timestamp(…)` (the sync cache's nightly listing) is answered from an index
 * kept as runs are written (src/emulator/modified-index.ts), not by a scan. Whatever the
 * history (seeded dates out of order, runs written again and again, creates between), it
 * lists exactly what a scan does: the same filter with a disjunct no run matches, which no
 * index can answer, is the reference.
 */

const emulator = useEmulator();

async function list(filter: string): Promise<string[]> {
  const keys: string[] = [];
  let pageToken: string | undefined;
  do {
    const params = { filter, pageSize: 7, orderBy: "modified_date desc", pageToken };
    const answer = await callApi(emulator(), "GET", `/api/v2/runs${query(params)}`);
    expect(answer.status).toBe(200);
    for (const run of answer.body.runs) keys.push(run.clientKey);
    pageToken = answer.body.nextPageToken || undefined;
  } while (pageToken !== undefined);
  return keys;
}

const SCAN = ` || name == "\\u0000 no run is named this"`;

describe("ListRuns by modified_date", () => {
  it("lists what a scan lists, over random histories of seeds, creates and updates", async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: 30 })), { maxLength: 20 }),
        fc.nat({ max: 40 }),
        async (seededAgoMs, writes, cutAt) => {
          const prefix = `mi${round++}-`;
          // Seeded out of order: dates in the past, as a backfill or a state file left them.
          emulator().load({
            runs: seededAgoMs.map((ago, i) => ({
              clientKey: `${prefix}s${i}`,
              name: `seeded ${i}`,
              modifiedDate: new Date(Date.now() - 60_000 - ago).toISOString(),
            })),
          });
          for (const [i, w] of writes.entries()) {
            const runs = emulator()
              .runs()
              .filter((r) => r.clientKey?.startsWith(prefix));
            if (w === -1 || runs.length === 0) {
              const body = { name: `created ${i}`, clientKey: `${prefix}c${i}` };
              expect((await callApi(emulator(), "POST", "/api/v2/runs", body)).status).toBe(200);
            } else {
              const run = runs[w % runs.length]!;
              const body = { run: { runId: run.runId, name: `write ${i}` }, updateMask: "name" };
              expect((await callApi(emulator(), "PATCH", "/api/v2/runs", body)).status).toBe(200);
            }
          }
          const dates = emulator()
            .runs()
            .filter((r) => r.clientKey?.startsWith(prefix))
            .map((r) => r.modifiedDate)
            .sort();
          const since = dates[cutAt % dates.length]!;
          const mine = `client_key.startsWith("${prefix}")`;
          for (const filter of [
            `modified_date > timestamp("${since}")`,
            `modified_date >= timestamp("${since}")`,
            `modified_date > timestamp("${since}") && modified_date < timestamp("${dates.at(-1)!}")`,
          ]) {
            const indexed = (await list(filter)).filter((k) => k.startsWith(prefix));
            const scanned = (await list(`(${filter})${SCAN}`)).filter((k) => k.startsWith(prefix));
            expect(indexed).toEqual(scanned);
            // And the scan is right: the runs whose date passes, newest first.
            expect(indexed.length).toBe((await list(`${mine} && (${filter})${SCAN}`)).length);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("finds a run written after the listing's mark, and not its older date", async () => {
    emulator().load({ runs: [{ clientKey: "mi-one", name: "one" }] });
    const run = emulator()
      .runs()
      .find((r) => r.clientKey === "mi-one")!;
    const before = run.modifiedDate;
    const body = { run: { runId: run.runId, name: "renamed" }, updateMask: "name" };
    expect((await callApi(emulator(), "PATCH", "/api/v2/runs", body)).status).toBe(200);
    const after = (await list(`modified_date > timestamp("${before}")`)).filter(
      (k) => k === "mi-one",
    );
    expect(after).toEqual(["mi-one"]);
    const renamed = emulator()
      .runs()
      .find((r) => r.clientKey === "mi-one")!.modifiedDate;
    expect(await list(`modified_date > timestamp("${renamed}")`)).not.toContain("mi-one");
  });
});
