import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { callApi, uuidFor } from "../helpers/emulator.js";
import { manifestDir, planJson, runCli, useEmulator } from "./harness.js";

/**
 * Text as macOS writes it (NFD: a letter, then its combining accent) against Sift holding it
 * composed (NFC), and the other way round (issue 20, item 1).
 */
const nfd = (text: string) => text.normalize("NFD");
const HELIOS = "H\u00e9lios-03"; // NFC, as Sift holds it
const HELIOS_NFD = "He\u0301lios-03"; // as a Mac writes it
const ZOE = "Zo\u00eb";
const CAFE = "caf\u00e9";
const TIMES = "2024-03-28T09:00:00Z,2024-03-28T09:45:00Z";

const emulator = useEmulator({
  seed: {
    assets: [
      { name: HELIOS, assetId: "asset-helios" },
      { name: nfd("Sélène-01"), assetId: "asset-selene" }, // Sift holding NFD
    ],
    metadataKeys: [
      { name: "pilot", type: "string" as const },
      { name: nfd("opérateur"), type: "string" as const },
    ],
    runs: [
      {
        runId: uuidFor("run-vol-1"),
        clientKey: "vol-1",
        name: `Vol ${HELIOS}`,
        description: "Pr\u00e9-vol",
        tags: [CAFE],
        assetIds: ["asset-helios"],
        startTime: "2024-03-28T09:00:00Z",
        stopTime: "2024-03-28T09:45:00Z",
        metadata: { pilot: ZOE },
      },
      {
        runId: uuidFor("run-vol-2"),
        clientKey: "vol-2",
        name: nfd("Vol Sélène"),
        metadata: { [nfd("opérateur")]: nfd("Jérôme") },
      },
      // A run made before Sift's ASCII rule for new keys, or adopted, with an NFD key.
      { runId: uuidFor("run-vol-3"), clientKey: nfd("vol-é"), name: "Three" },
    ],
  },
});

/** The NFD CSV a Mac writes for runs Sift holds in NFC (and one it holds in NFD). */
function macCsv(): string {
  const header = "clientKey,name,description,startTime,stopTime,assets,tags,metadata.pilot";
  const rows = [
    `vol-1,${nfd(`Vol ${HELIOS}`)},${nfd("Pré-vol")},${TIMES},${HELIOS_NFD},${nfd(CAFE)},${nfd(ZOE)}`,
  ];
  return [header, ...rows].join("\n") + "\n";
}

describe("--unicode nfc (the default): text as a Mac writes it", () => {
  it("a run Sift holds in NFC, written in NFD, is unchanged: no write, no perpetual diff", async () => {
    const dir = manifestDir({ "runs.csv": macCsv() });
    expect(readFileSync(join(dir, "runs.csv"), "utf8")).toContain("He\u0301lios-03");
    const { plan, code } = await planJson(emulator(), [dir, "--detailed-exitcode"]);
    expect(code).toBe(0);
    expect(plan.changes.map((c) => [c.clientKey, c.action, c.warnings])).toEqual([
      ["vol-1", "unchanged", []],
    ]);
    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code).toBe(0);
    const run = await callApi(emulator(), "GET", `/api/v2/runs/${uuidFor("run-vol-1")}`);
    expect(run.body.run.modifiedDate).toBe(run.body.run.createdDate);
  });

  it("Sift holding NFD, the manifest NFC: assets, metadata keys, values, clientKeys resolve; nothing is written", async () => {
    const dir = manifestDir({
      "runs.yaml": [
        "- clientKey: vol-2",
        "  name: Vol S\u00e9l\u00e8ne",
        "  metadata: { op\u00e9rateur: J\u00e9r\u00f4me }",
        "- clientKey: vol-\u00e9",
        "  name: Three",
        "",
      ].join("\n"),
    });
    const { plan } = await planJson(emulator(), [dir]);
    expect(plan.changes.map((c) => [c.clientKey, c.action, c.runId])).toEqual([
      ["vol-2", "unchanged", uuidFor("run-vol-2")],
      ["vol-\u00e9", "unchanged", uuidFor("run-vol-3")],
    ]);
  });

  it("creates resolve an NFD asset name and write NFC text; a key Sift holds in NFD keeps Sift's name", async () => {
    const header = `clientKey,name,startTime,stopTime,assets,metadata.${nfd("opérateur")}`;
    const dir = manifestDir({
      "runs.csv": `${header}\nnew-1,${nfd("Décollage")},${TIMES},${HELIOS_NFD};S\u00e9l\u00e8ne-01,${nfd("Zoë")}\n`,
    });
    const applied = await runCli(emulator(), ["apply", dir]);
    expect(applied.code).toBe(0);
    const { body } = await callApi(
      emulator(),
      "GET",
      "/api/v2/runs?filter=client_key%3D%3D'new-1'",
    );
    const [created] = body.runs;
    expect(created.name).toBe("D\u00e9collage");
    expect([...created.assetIds].sort()).toEqual(["asset-helios", "asset-selene"]);
    expect(created.metadata).toEqual([
      expect.objectContaining({
        key: expect.objectContaining({ name: nfd("opérateur") }),
        stringValue: ZOE,
      }),
    ]);
    expect((await planJson(emulator(), [dir])).plan.changes[0]?.action).toBe("unchanged");
  });

  it("an NFD and an NFC spelling of one clientKey, or of one metadata key in a row, are one", async () => {
    const dir = manifestDir({
      "runs.csv": `clientKey,name\nvol-\u00e9,One\n${nfd("vol-é")},Two\n`,
      "keys.yaml": `- clientKey: k-1\n  metadata: { "op\u00e9rateur": a, "${nfd("opérateur")}": b }\n`,
    });
    const result = await runCli(emulator(), ["validate", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("keys.yaml:1 metadata.op");
    expect(result.stderr).toContain("written in another Unicode form (NFD)");
    expect(result.stderr).toMatch(
      /runs\.csv:3 clientKey: "vol-\u00e9" is also defined at .*runs\.csv:2/,
    );
  });
});

describe("--unicode keep: byte for byte, as before", () => {
  it("the NFD manifest differs from Sift's NFC text, and an NFD asset name says which code points differ", async () => {
    const dir = manifestDir({ "runs.csv": macCsv() });
    const result = await runCli(emulator(), ["plan", dir, "--unicode", "keep", "--format", "json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).changes[0].problems[0]).toContain(
      'no asset named "He\u0301lios-03" exists in Sift ("He\u0301lios-03" (U+0065 U+0301) — did you mean "H\u00e9lios-03" (U+00E9)? --unicode keep compares names byte for byte)',
    );
    const noAssets = manifestDir({ "runs.csv": macCsv().replace(`,${HELIOS_NFD}`, ",") });
    const { plan } = await planJson(emulator(), [noAssets, "--unicode", "keep"]);
    const [change] = plan.changes;
    expect(change?.action).toBe("update");
    expect(change?.updateMask?.sort()).toEqual(["description", "metadata", "name", "tags"]);
  });

  it("a sync config's options: { unicode: keep } applies, and --unicode nfc on the command line wins", async () => {
    const dir = manifestDir({
      "runs.csv": macCsv().replace(`,${HELIOS_NFD}`, ","),
      "sift-run-sync.yaml":
        "version: 1\nsources:\n  - path: runs.csv\noptions: { unicode: keep }\n",
    });
    const out = join(dir, "plan.json");
    const kept = await runCli(emulator(), ["plan", "--format", "json", "--out", out], dir);
    expect(JSON.parse(kept.stdout).summary.update).toBe(1);
    expect(readFileSync(out, "utf8")).toMatch(/"options":\{[^}]*"unicode":"keep"/);
    const nfc = await runCli(emulator(), ["plan", "--format", "json", "--unicode", "nfc"], dir);
    expect(JSON.parse(nfc.stdout).summary.unchanged).toBe(1);
  });
});
