import { describe, expect, it } from "vitest";
import type { RunSpec } from "../../src/manifest/spec.js";
import { planChanges } from "../../src/plan/plan-changes.js";
import { prefetchRuns } from "../../src/plan/prefetch.js";
import type { LookupClient } from "../../src/sift/lookup.js";
import { createSiftClient } from "../../src/sift/client.js";
import { useEmulator } from "../helpers/emulator.js";

/**
 * A night with a trusted sync cache: every row is known in sync or had its run looked up
 * ahead of the plan (prefetch.ts). No row waits for a request, so none is held: each is
 * planned before the next is read (rows queued behind a prefetched one lived long enough
 * for V8 to move them to its old generation, ~100 MB of garbage a collection at 1,000,000).
 */
describe("rows whose runs were looked up ahead of the plan", () => {
  const emulator = useEmulator();

  it("are planned at once, with the rows after them: none is held, no lookup is made", async () => {
    const specs: RunSpec[] = Array.from({ length: 3000 }, (_, i) => ({
      clientKey: `pre-${String(i).padStart(5, "0")}`,
      name: i % 500 === 7 ? `Renamed ${i}` : `Run ${i}`,
      source: { file: "runs.csv", line: i + 2 },
    }));
    const changed = specs.filter((_, i) => i % 500 === 7);
    await emulator().load({
      runs: changed.map((s, k) => ({ clientKey: s.clientKey, name: `Run ${k * 500 + 7}` })),
    });
    const real = createSiftClient({ baseUrl: emulator().url, apiKey: "local" });
    const prefetched = await prefetchRuns(real, new Set(changed.map((s) => s.clientKey)), "nfc");
    expect(prefetched.size).toBe(changed.length);
    const lookups: string[] = [];
    const client: LookupClient = {
      baseUrl: real.baseUrl,
      listAllRuns(filter, options) {
        lookups.push(filter);
        return real.listAllRuns(filter, options);
      },
      listAllAssets: (filter, options) => real.listAllAssets(filter, options),
      listAllMetadataKeys: (filter, options) => real.listAllMetadataKeys(filter, options),
    };
    const known = { runId: "known-run", modifiedDate: "2024-01-01T00:00:00Z" };
    let read = 0;
    let mostHeld = 0;
    const actions: string[] = [];
    async function* source() {
      for (const spec of specs) {
        read++;
        mostHeld = Math.max(mostHeld, read - actions.length);
        yield spec;
      }
    }
    const options = {
      metadata: "merge" as const,
      ignore: new Set<never>(),
      knownInSync: (spec: RunSpec) => (prefetched.has(spec.clientKey) ? undefined : known),
      prefetched,
    };
    const context = { assetIds: new Map<string, string>(), keyTypes: new Map() };
    for await (const change of planChanges(source(), client, context, options))
      actions.push(`${change.action}:${"spec" in change ? change.spec.clientKey : ""}`);

    expect(actions).toEqual(
      specs.map((s, i) => `${i % 500 === 7 ? "update" : "unchanged"}:${s.clientKey}`),
    );
    expect(mostHeld).toBe(1);
    expect(lookups).toEqual([]);
  });
});
