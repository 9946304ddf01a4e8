import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { callApi, query } from "../helpers/emulator.js";
import { exportThenPlan, expectNoChanges } from "../export/export-helpers.js";
import { manifestDir, planJson, runCli, useEmulator } from "./harness.js";

/**
 * Sift lets a name be reused once its asset is archived, so a name can list an archived and a
 * live asset. The live one is meant; only when every asset of a name is archived is it used,
 * with a warning at the first row that names it.
 */
const ASSETS = [
  { name: "stand-r", assetId: "asset-r-old", isArchived: true },
  { name: "stand-r", assetId: "asset-r-new" },
  // Listed first (newest first): a client taking the first asset of a name would take it.
  { name: "stand-q", assetId: "asset-q-live" },
  { name: "stand-q", assetId: "asset-q-archived", isArchived: true },
  { name: "stand-gone", assetId: "asset-gone-1", isArchived: true },
  { name: "stand-gone", assetId: "asset-gone-2", isArchived: true },
];
const emulator = useEmulator({ seed: { assets: ASSETS } });

const TIMES = "2024-01-01T00:00:00Z,2024-01-01T01:00:00Z";

async function assetsNamed(name: string, url = emulator().url) {
  const filter = `name == '${name}'`;
  const { status, body } = await callApi({ url }, "GET", `/api/v1/assets${query({ filter })}`);
  expect(status).toBe(200);
  return (body.assets as { assetId: string; isArchived?: boolean }[]).map((a) => [
    a.assetId,
    a.isArchived ?? false,
  ]);
}

describe("the emulator holds an archived and a live asset of one name", () => {
  it("lists both for a name filter (the index returns every asset of the name)", async () => {
    expect(await assetsNamed("stand-r")).toEqual([
      ["asset-r-new", false],
      ["asset-r-old", true],
    ]);
    const { body } = await callApi(
      emulator(),
      "GET",
      `/api/v1/assets${query({ filter: "name in ['stand-r'] && is_archived == false" })}`,
    );
    expect(body.assets.map((a: { assetId: string }) => a.assetId)).toEqual(["asset-r-new"]);
  });

  it("still refuses two live assets of one name in a seed", async () => {
    await expect(
      startEmulator({ seed: { assets: [{ name: "twin" }, { name: "twin" }] } }),
    ).rejects.toThrow(/assets\[1\]: a live asset "twin" exists/);
  });

  it("a seeded run naming the name gets the live asset; both survive a --state restart", async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), "srs-assets-")), "state.json");
    const first = await startEmulator({
      statePath,
      seed: {
        assets: ASSETS,
        runs: [{ clientKey: "seeded-r", name: "Seeded", assets: ["stand-r"] }],
      },
    });
    expect(first.runs()[0]?.assetIds).toEqual(["asset-r-new"]);
    await first.close();
    const again = await startEmulator({ statePath });
    try {
      expect(await assetsNamed("stand-r", again.url)).toEqual([
        ["asset-r-new", false],
        ["asset-r-old", true],
      ]);
    } finally {
      await again.close();
    }
  });
});

describe("name resolution prefers the live asset", () => {
  it("creates over the live asset, without a warning, whichever ListAssets lists first", async () => {
    expect(await assetsNamed("stand-q")).toEqual([
      ["asset-q-archived", true],
      ["asset-q-live", false],
    ]);
    const dir = manifestDir({
      "runs.csv": [
        "clientKey,name,startTime,stopTime,assets",
        `live-1,Live,${TIMES},stand-r`,
        `live-2,Live Q,${TIMES},stand-q`,
        "",
      ].join("\n"),
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes.map((c) => [c.action, c.warnings])).toEqual([
      ["create", []],
      ["create", []],
    ]);
    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code, applied.stderr).toBe(0);
    const assetsOf = (key: string) =>
      emulator()
        .runs()
        .find((r) => r.clientKey === key)?.assetIds;
    expect(assetsOf("live-1")).toEqual(["asset-r-new"]);
    expect(assetsOf("live-2")).toEqual(["asset-q-live"]);
  });

  it("uses an asset every one of whose namesakes is archived, warning once, at the first row", async () => {
    const dir = manifestDir({
      "runs.csv": [
        "clientKey,name,startTime,stopTime,assets",
        `gone-1,Gone 1,${TIMES},stand-gone`,
        `gone-2,Gone 2,${TIMES},stand-gone`,
        "",
      ].join("\n"),
    });
    const warning =
      'asset "stand-gone" is archived in Sift and no live asset has that name: the archived asset asset-gone-2 (the latest archived of 2) is used (unarchive it in Sift, or check the name, if that is not meant)';
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes.map((c) => [c.clientKey, c.action, c.warnings])).toEqual([
      ["gone-1", "create", [warning]],
      ["gone-2", "create", []],
    ]);
    expect(plan.summary.warnings).toBe(1);
    const table = await runCli(emulator(), ["plan", dir]);
    expect(table.stdout).toContain(`+ create gone-1 (${join(dir, "runs.csv")}:2) CreateAdhocRun\n`);
    expect(table.stdout).toContain(`    ! ${warning}\n`);

    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain("archived in Sift and no live asset has that name");
    const made = emulator()
      .runs()
      .filter((r) => r.clientKey?.startsWith("gone-"))
      .map((r) => r.assetIds);
    expect(made).toEqual([["asset-gone-2"], ["asset-gone-2"]]);
  });
});

describe("export of runs holding archived assets", () => {
  it("plans back to No changes: a reused name's archived asset is left out, with a note", async () => {
    emulator().load({
      runs: [
        {
          clientKey: "ex-old",
          name: "On the old stand-r",
          assetIds: ["asset-r-old"],
          startTime: "2024-01-01T00:00:00Z",
          stopTime: "2024-01-01T01:00:00Z",
        },
        {
          clientKey: "ex-gone",
          name: "On stand-gone",
          assetIds: ["asset-gone-2"],
          startTime: "2024-01-01T00:00:00Z",
          stopTime: "2024-01-01T01:00:00Z",
        },
      ],
    });
    const { plan, text, stderr } = await exportThenPlan(emulator(), "yaml", [
      "--filter",
      "client_key.startsWith('ex-')",
    ]);
    expectNoChanges(plan, text);
    expect(text).toMatch(/stand-gone/);
    expect(text).not.toMatch(/^\s*(assets:.*|- )stand-r\b/m);
    expect(stderr).toContain(
      "assets not written for 1 run (ex-old): it holds an archived asset whose name a live asset now has",
    );
  });
});
