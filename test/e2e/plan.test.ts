import { describe, expect, it } from "vitest";
import { manifestDir, planJson, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

const CSV_HEADER =
  "clientKey,name,startTime,stopTime,assets,tags,metadata.altitude_m,metadata.campaign\n";

async function seedRuns(yaml: string) {
  const dir = manifestDir({ "seed.yaml": yaml });
  const { code, stderr } = await runCli(emulator(), ["apply", dir]);
  if (code !== 0) throw new Error(stderr);
}

describe("plan against the emulator", () => {
  it("creates, updates with minimal masks and leaves equal runs alone", async () => {
    await seedRuns(`
- {clientKey: mix-1, name: One, tags: [a, b]}
- {clientKey: mix-2, name: Two, description: same}
`);
    const dir = manifestDir({
      "runs.yaml": `
- {clientKey: mix-1, name: One renamed, tags: [b, a]}
- {clientKey: mix-2, name: Two, description: same}
- {clientKey: mix-3, name: Three}
`,
    });
    const { plan, code } = await planJson(emulator(), [dir]);
    expect(code).toBe(0);
    expect(plan.summary).toMatchObject({ create: 1, update: 1, unchanged: 1 });
    const byKey = Object.fromEntries(plan.changes.map((c) => [c.clientKey, c]));
    expect(byKey["mix-1"]).toMatchObject({
      action: "update",
      updateMask: ["name"],
      source: `${dir}/runs.yaml:2`,
    });
    expect(byKey["mix-2"]?.action).toBe("unchanged");
    expect(byKey["mix-3"]?.action).toBe("create");
  });

  it("finds exactly its own run for clientKeys full of quotes, backslashes and CEL", async () => {
    const hostile = ["q'uote", 'd"ouble', "back\\slash", "x' || true || 'y", "plain"];
    // Runs made before Sift's key rule (no new run could have these keys) are still matched.
    emulator().load({ runs: hostile.map((k) => ({ clientKey: k, name: `n-${k}` })) });
    const dir = manifestDir({
      "runs.yaml": hostile
        .map((k) => `- {clientKey: ${JSON.stringify(k)}, name: ${JSON.stringify("n-" + k)}}`)
        .join("\n"),
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes.map((c) => [c.clientKey, c.action])).toEqual(
      hostile.map((k) => [k, "unchanged"]),
    );
    const runIds = new Set(plan.changes.map((c) => c.runId));
    expect(runIds.size).toBe(hostile.length);
  });

  it("sees no change in timestamps written differently, reordered tags or 1 vs 1.0", async () => {
    await seedRuns(`
- clientKey: fmt-1
  name: Format
  startTime: "2024-03-01T10:00:00Z"
  stopTime: "2024-03-01T11:00:00.5Z"
  assets: [stand-a]
  tags: [hot, cold]
  metadata: {altitude_m: 1}
`);
    const dir = manifestDir({
      "runs.csv":
        CSV_HEADER +
        "fmt-1,Format,2024-03-01T12:00:00.000+02:00,2024-03-01T11:00:00.500000000Z,stand-a,cold;hot,1.0,\n",
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes[0]).toMatchObject({ action: "unchanged", warnings: [] });
  });

  it("notices a removed tag and replaces the whole set", async () => {
    await seedRuns("- {clientKey: tag-1, name: Tags, tags: [a, b, c]}");
    const { plan } = await planJson(emulator(), [
      manifestDir({ "r.yaml": "- {clientKey: tag-1, tags: [a, c]}" }),
    ]);
    expect(plan.changes[0]).toMatchObject({ action: "update", updateMask: ["tags"] });
    expect(plan.changes[0]?.fields).toEqual([
      { field: "tags", before: ["a", "b", "c"], after: ["a", "c"] },
    ]);
  });

  it("keeps other metadata keys under merge and drops them under --metadata replace", async () => {
    await seedRuns("- {clientKey: meta-1, name: M, metadata: {campaign: c1, altitude_m: 5}}");
    const dir = manifestDir({ "r.yaml": "- {clientKey: meta-1, metadata: {campaign: c1}}" });
    const merged = await planJson(emulator(), [dir]);
    expect(merged.plan.changes[0]?.action).toBe("unchanged");
    const replaced = await planJson(emulator(), [dir, "--metadata", "replace"]);
    expect(replaced.plan.changes[0]).toMatchObject({ action: "update", updateMask: ["metadata"] });
    expect(replaced.plan.changes[0]?.fields).toEqual([
      { field: "metadata.altitude_m", before: 5, after: null },
    ]);
  });

  it("warns when assets differ and never masks them", async () => {
    await seedRuns(`
- {clientKey: as-1, name: A, assets: [stand-a], startTime: "2024-01-01T00:00:00Z", stopTime: "2024-01-01T01:00:00Z"}
`);
    const dir = manifestDir({
      "r.yaml":
        '- {clientKey: as-1, assets: [rig-7], startTime: "2024-01-01T00:00:00Z", stopTime: "2024-01-01T01:00:00Z"}',
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes[0]?.action).toBe("unchanged");
    expect(plan.changes[0]?.warnings[0]).toBe(
      "assets differ (Sift has stand-a, the manifest rig-7); assets cannot be updated, left as they are",
    );
    expect(plan.summary.warnings).toBe(1);
  });

  it("looks up 5,000 runs in a handful of batched requests and writes nothing", async () => {
    const rows = Array.from(
      { length: 5000 },
      (_, i) => `bulk-${String(i).padStart(5, "0")},Run ${i},,,,,,`,
    );
    const dir = manifestDir({ "bulk.csv": CSV_HEADER + rows.join("\n") + "\n" });
    const before = JSON.stringify(emulator().runs());
    emulator().resetStats();
    // --no-cache: these are the lookups of a full read (the cache adds two listings).
    const { plan } = await planJson(emulator(), [dir, "--no-cache"]);
    const stats = emulator().stats();
    expect(plan.summary.create).toBe(5000);
    expect(stats.writes).toBe(0);
    expect(JSON.stringify(emulator().runs())).toBe(before);
    // ~450 keys fit one 8 KiB URL: 12 lookups, plus one ListAssets/ListMetadataKeys at most.
    expect(stats.requests.ListRuns).toBeLessThanOrEqual(Math.ceil(5000 / 400));
    expect(stats.total).toBeLessThanOrEqual(Math.ceil(5000 / 400) + 3);
  });

  it("exits 2 with --detailed-exitcode when there are changes, 0 when none", async () => {
    await seedRuns("- {clientKey: de-1, name: D}");
    const same = await runCli(emulator(), [
      "plan",
      manifestDir({ "r.yaml": "- {clientKey: de-1, name: D}" }),
      "--detailed-exitcode",
    ]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("No changes");
    const diff = await runCli(emulator(), [
      "plan",
      manifestDir({ "r.yaml": "- {clientKey: de-1, name: E}" }),
      "--detailed-exitcode",
    ]);
    expect(diff.code).toBe(2);
  });

  it("fails with exit 1, located, for an asset that does not exist", async () => {
    const dir = manifestDir({
      "r.yaml":
        '- {clientKey: nope-1, name: N, assets: [ghost], startTime: "2024-01-01T00:00:00Z", stopTime: "2024-01-01T01:00:00Z"}',
    });
    const result = await runCli(emulator(), ["plan", dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`r.yaml:1)\n    assets: no asset named "ghost" exists in Sift`);
  });
});
