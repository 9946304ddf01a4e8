import { describe, expect, it } from "vitest";
import { uuidFor } from "../helpers/emulator.js";
import { manifestDir, planJson, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator({
  seed: {
    assets: [
      { name: "stand-a", assetId: "asset-a" },
      { name: "stand-b", assetId: "asset-b" },
    ],
    runs: [
      ...Array.from({ length: 25 }, (_, i) => ({
        runId: uuidFor(`run-many-${i}`),
        name: `Many ${i}`,
        clientKey: `many-${i}`,
        assetIds: ["asset-a"],
        startTime: "2024-01-01T00:00:00Z",
        stopTime: "2024-01-01T01:00:00Z",
      })),
      {
        runId: "9163236c-913a-48d4-8a5a-420fdc861f41",
        name: "Held on stand-a",
        clientKey: "ad-1",
        assetIds: ["asset-a"],
        startTime: "2024-01-01T00:00:00Z",
        stopTime: "2024-01-01T01:00:00Z",
      },
    ],
  },
});

describe('the "assets differ" warning', () => {
  it("names Sift's assets by name, even those the manifests do not name, in plan and apply", async () => {
    const dir = manifestDir({
      "runs.csv":
        "clientKey,name,startTime,stopTime,assets\nad-1,Held on stand-a,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,stand-b\n",
    });
    const wanted =
      "assets differ (Sift has stand-a, the manifest stand-b); assets cannot be updated, left as they are";
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes[0]?.warnings).toEqual([wanted]);
    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain(`ad-1 (${dir}/runs.csv:2): ${wanted}`);
  });

  it("apply logs the first 20 plan warnings one by one and counts the rest in one line", async () => {
    const times = "2024-01-01T00:00:00Z,2024-01-01T01:00:00Z";
    const rows = Array.from({ length: 25 }, (_, i) => `many-${i},Many ${i},${times},stand-b`);
    const dir = manifestDir({
      "runs.csv": `clientKey,name,startTime,stopTime,assets\n${rows.join("\n")}\n`,
    });
    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code).toBe(0);
    const lines = applied.stderr.split("\n");
    expect(lines.filter((l) => l.includes("assets differ (Sift has stand-a"))).toHaveLength(20);
    expect(lines.filter((l) => l.includes("and 5 more plan warnings"))).toHaveLength(1);
  });
});
