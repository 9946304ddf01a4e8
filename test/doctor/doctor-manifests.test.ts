import { describe, expect, it } from "vitest";
import { manifestDir } from "../e2e/harness.js";
import { useEmulator } from "../helpers/emulator.js";
import { check, doctorJson } from "./doctor-helpers.js";

/**
 * `doctor runs.csv`: the manifests against the organization, offline checks first, then what
 * Sift lacks or holds otherwise, then the plan's counts. Nothing is written, not even assets.
 */
const emulator = useEmulator({
  seed: {
    assets: ["stand-a"],
    metadataKeys: { altitude_m: "number", campaign: "string", folder: "relation" },
    runs: [
      { clientKey: "a-1", name: "A", metadata: { campaign: "c1" } },
      { clientKey: "b-2", name: "B old" },
    ],
  },
});

describe("doctor with manifests", () => {
  it("a clean manifest: counts like a plan, every check ok, nothing written", async () => {
    const dir = manifestDir({
      "runs.csv": "clientKey,name,metadata.campaign\na-1,A,c1\nb-2,B new,c1\nc-3,C,c2\n",
    });
    emulator().resetStats();
    const { code, report } = await doctorJson(emulator().url, [dir]);
    expect(code).toBe(0);
    expect(check(report, "manifests.offline").found).toBe("1 file, 3 valid runs");
    expect(check(report, "manifests.plan")).toMatchObject({
      status: "ok",
      found: "1 to create, 1 to update, 1 unchanged, 0 warnings",
    });
    expect(check(report, "manifests.client-keys").found).toBe(
      "all 1 clientKey to create follow Sift's rule",
    );
    expect(emulator().stats().writes).toBe(0);
  });

  it("names the asset names Sift lacks, the keys of another type, relation keys and bad new clientKeys", async () => {
    const dir = manifestDir({
      "runs.csv": [
        "clientKey,name,startTime,stopTime,assets,metadata.altitude_m:string,metadata.folder",
        "a-1,A,,,,,x",
        "n-1,N,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,stand-zz,12,",
        "new key!,K,,,,,",
        "",
      ].join("\n"),
    });
    const assetsBefore = emulator().stats().requests.ListAssets;
    const { code, report } = await doctorJson(emulator().url, [dir]);
    expect(code).toBe(1);
    expect(check(report, "manifests.assets")).toMatchObject({
      status: "fail",
      found: '1 asset name Sift lacks: "stand-zz" (1 run)',
    });
    expect(check(report, "manifests.metadata-types")).toMatchObject({ status: "fail" });
    expect(check(report, "manifests.metadata-types").found).toMatch(
      /^altitude_m: string in the manifests \(.*runs\.csv:3\), number in Sift$/,
    );
    expect(check(report, "manifests.relation-keys")).toMatchObject({
      status: "fail",
      found: "1 key of type relation: folder",
    });
    const keys = check(report, "manifests.client-keys");
    expect(keys.status).toBe("fail");
    expect(keys.found).toContain('"new key!" holds " " and "!"');
    expect(check(report, "manifests.plan").status).toBe("fail");
    expect(emulator().stats().requests.ListAssets).toBeGreaterThan(assetsBefore);
    expect(emulator().stats().writes).toBe(0);
  });

  it("an invalid manifest: the offline problems, located, and nothing asked of Sift about it", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name,startTime\nx-1,X,2024-13-01\n" });
    const { code, report } = await doctorJson(emulator().url, [dir]);
    expect(code).toBe(1);
    const offline = check(report, "manifests.offline");
    expect(offline.status).toBe("fail");
    expect(offline.found).toMatch(/^1 problem in the manifests\n.*runs\.csv:2.* startTime: /);
    expect(report.checks.some((c) => c.id === "manifests.plan")).toBe(false);
  });

  it("estimates a backfill of the manifests' runs, and of --estimate N", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nq-1,Q1\nq-2,Q2\n" });
    const { report } = await doctorJson(emulator().url, [dir, "--concurrency", "4"]);
    expect(check(report, "estimate.backfill").data).toMatchObject({
      runs: 2,
      concurrency: 4,
      runsFrom: "the manifests",
    });
    const { report: big } = await doctorJson(emulator().url, [
      "--estimate",
      "100000",
      "--max-rps",
      "50",
    ]);
    const backfill = check(big, "estimate.backfill");
    expect(backfill.title).toBe("Backfill of 100,000");
    // 100,000 creates + ⌈100,000 / batch⌉ lookups at 50 requests a second: over 33 minutes.
    expect(backfill.data).toMatchObject({ boundBy: "rate" });
    expect((backfill.data as { seconds: number }).seconds).toBeGreaterThan(2000);
    expect(backfill.found).toMatch(/^about 33 min \d\d s: 100,3\d\d requests/);
    expect(check(big, "estimate.nightly").found).toMatch(
      /^\d requests with a warm sync cache \(.*\); \d+, lookups only, without one \(.*\); for 100,000 unchanged runs$/,
    );
  });
});
