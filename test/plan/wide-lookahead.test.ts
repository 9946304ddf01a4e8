import { describe, expect, it } from "vitest";
import type { RunSpec } from "../../src/manifest/spec.js";
import {
  cellsOf,
  LOOKAHEAD_BATCHES,
  LOOKUP_BATCH_CELLS,
  planChanges,
} from "../../src/plan/plan-changes.js";
import { changeKey } from "../../src/plan/change.js";
import type { LookupClient } from "../../src/sift/lookup.js";
import { createSiftClient } from "../../src/sift/client.js";
import { useEmulator } from "../helpers/emulator.js";

/**
 * Issue 11, wide sheets in bounded memory: the specs the plan holds (read from the manifest,
 * not yet diffed) and each lookup's size are bounded by cells (fields and metadata entries),
 * not by runs, so 400 metadata columns do not multiply memory by 400.
 */
describe("look-ahead bounded by cells", () => {
  const emulator = useEmulator();
  const COLUMNS = 400;

  function wideSpec(i: number): RunSpec {
    const metadata: RunSpec["metadata"] = {};
    for (let k = 0; k < COLUMNS; k++)
      metadata[`col_${k}`] = { value: `v${i}-${k}`, type: "string" };
    const clientKey = `wide-${String(i).padStart(5, "0")}`;
    return { clientKey, name: `Wide ${i}`, metadata, source: { file: "wide.csv", line: i + 2 } };
  }

  function narrowSpec(i: number): RunSpec {
    const clientKey = `narrow-${String(i).padStart(5, "0")}`;
    return { clientKey, name: `Narrow ${i}`, source: { file: "narrow.csv", line: i + 2 } };
  }

  /** Plans `specs`, recording the most specs held at once and the keys of each lookup. */
  async function planCounting(specs: RunSpec[]) {
    const real = createSiftClient({ baseUrl: emulator().url, apiKey: "local" });
    const lookups: number[] = [];
    const client: LookupClient = {
      baseUrl: real.baseUrl,
      listAllRuns(filter, options) {
        if (filter.startsWith("client_key in ")) lookups.push(filter.split("','").length);
        return real.listAllRuns(filter, options);
      },
      listAllAssets: (filter, options) => real.listAllAssets(filter, options),
      listAllMetadataKeys: (filter, options) => real.listAllMetadataKeys(filter, options),
    };
    let read = 0;
    let planned = 0;
    let mostHeld = 0;
    async function* source() {
      for (const spec of specs) {
        read++;
        mostHeld = Math.max(mostHeld, read - planned);
        yield spec;
      }
    }
    const keys: string[] = [];
    const context = { assetIds: new Map<string, string>(), keyTypes: new Map() };
    const options = { metadata: "merge" as const, ignore: new Set<never>() };
    for await (const change of planChanges(source(), client, context, options)) {
      planned++;
      keys.push(changeKey(change));
    }
    return { mostHeld, lookups, keys };
  }

  it("a wide sheet: each lookup and the specs held stay within the cell bounds", async () => {
    const specs = Array.from({ length: 600 }, (_, i) => wideSpec(i));
    // Half of them exist: their lookups answer runs of 400 metadata values.
    await emulator().load({
      runs: specs
        .filter((_, i) => i % 2 === 0)
        .map((s) => ({
          clientKey: s.clientKey,
          name: s.name!,
          metadata: Object.fromEntries(
            Object.entries(s.metadata!).map(([k, m]) => [k, String(m.value)]),
          ),
        })),
    });
    const perBatch = Math.floor(LOOKUP_BATCH_CELLS / cellsOf(specs[0]!));
    expect(perBatch).toBeGreaterThan(0);
    const { mostHeld, lookups, keys } = await planCounting(specs);

    expect(keys).toEqual(specs.map((s) => s.clientKey)); // every row, in order
    expect(Math.max(...lookups)).toBeLessThanOrEqual(perBatch);
    // The batches ahead, plus the one being filled.
    expect(mostHeld).toBeLessThanOrEqual((LOOKAHEAD_BATCHES + 1) * perBatch);
    expect(mostHeld).toBeLessThan(specs.length);
  });

  it("narrow runs are not cut by cells: their lookups stay as large as the URL allows", async () => {
    const specs = Array.from({ length: 2000 }, (_, i) => narrowSpec(i));
    expect(cellsOf(specs[0]!) * 300).toBeLessThan(LOOKUP_BATCH_CELLS);
    const { lookups, keys } = await planCounting(specs);
    expect(keys).toHaveLength(2000);
    expect(lookups.length).toBeLessThanOrEqual(7);
  });
});
