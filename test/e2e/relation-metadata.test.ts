import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { type RecordingProxy, startRecordingProxy } from "../helpers/recording-proxy.js";
import { manifestDir, planJson, runCli, SEED, useEmulator } from "./harness.js";

/**
 * Relation metadata (`METADATA_KEY_TYPE_RELATION`, e.g. folder membership) is something no
 * manifest can say: a run holding one keeps it exactly, whatever the plan writes around it.
 */

const FOLDER = { resourceType: "folder", resourceId: "0b6f0a52-6b1e-4c8e-9a57-3f3c1d2e4a10" };
const OTHER_FOLDER = { resourceType: "folder", resourceId: "7d1c5e8a-2f34-4b6a-8c9d-0e1f2a3b4c5d" };

/** Three runs each holding a relation entry between two string entries. */
const runWith = (clientKey: string, folder = FOLDER) => ({
  clientKey,
  name: `Run ${clientKey}`,
  metadata: { site: "north", folder, operator: "ana" },
});

const emulator = useEmulator({
  seed: {
    ...SEED,
    metadataKeys: [
      ...SEED.metadataKeys,
      { name: "site", type: "string" },
      { name: "operator", type: "string" },
      { name: "folder", type: "relation" },
    ],
    runs: [
      runWith("rel-merge"),
      runWith("rel-replace", OTHER_FOLDER),
      runWith("rel-named"),
      {
        ...runWith("rel-export"),
        // And an entry of a shape this client does not know (a newer Sift's).
        rawMetadata: [
          { key: { name: "due", type: "METADATA_KEY_TYPE_DATE" }, dateValue: { year: 2026 } },
        ],
      },
      runWith("rel-saved"),
    ],
  },
});

let proxy: RecordingProxy;
beforeAll(async () => {
  proxy = await startRecordingProxy(emulator().url);
});
afterAll(async () => {
  await proxy.close();
});
/** The CLI against the emulator through the recording proxy. */
const viaProxy = () => ({ url: proxy.url }) as Emulator;

/** A run's metadata entries as the API answers them (JSON texts, in order). */
function entriesOf(clientKey: string): Map<string, string> {
  const run = emulator()
    .runs()
    .find((r) => r.clientKey === clientKey)!;
  return new Map((run.metadata ?? []).map((m) => [m.key.name, JSON.stringify(m)]));
}

/** The entries of the UpdateRun bodies sent since `from`, per body. */
function sentEntries(from: number): string[][] {
  return proxy
    .updateBodies()
    .slice(from)
    .map((body) => {
      const parsed = JSON.parse(body) as { run: { metadata?: unknown[] } };
      return (parsed.run.metadata ?? []).map((m) => JSON.stringify(m));
    });
}

describe("a run holding a relation entry and two string entries", () => {
  it.each([
    ["merge", "rel-merge", ["site", "folder", "operator"]],
    ["replace", "rel-replace", ["site", "folder"]],
  ] as const)(
    "updated with --metadata %s keeps its relation entry exactly; the re-plan is No changes",
    async (mode, clientKey, keysAfter) => {
      const before = entriesOf(clientKey);
      const folder = before.get("folder")!;
      expect(JSON.parse(folder)).toMatchObject({
        key: { name: "folder", type: "METADATA_KEY_TYPE_RELATION" },
        relationValue: clientKey === "rel-merge" ? FOLDER : OTHER_FOLDER,
      });
      const dir = manifestDir({
        "runs.yaml": `- clientKey: ${clientKey}\n  metadata: {site: south}\n`,
      });
      const sentBefore = proxy.updateBodies().length;
      const applied = await runCli(viaProxy(), ["apply", dir, "--metadata", mode]);
      // apply logs the plan's warnings: replace says that it keeps the relation entry. (Only the
      // lines about metadata: a loaded machine may add a retry notice of a slow answer.)
      const logged = applied.stderr.split("\n").filter((l) => l.includes("metadata"));
      expect(logged).toEqual(
        mode === "merge" ? [] : [expect.stringContaining("keeps metadata.folder as Sift has it")],
      );
      expect(applied.code).toBe(0);
      expect(applied.stdout).toMatch(/^Applied: 0 created, 1 updated/);

      // The request carried the relation entry byte for byte as Sift sent it.
      const [sent] = sentEntries(sentBefore);
      expect(sent).toContain(folder);
      expect(proxy.updateBodies()[sentBefore]).toContain(folder);
      if (mode === "merge") expect(sent).toContain(before.get("operator"));

      // Sift holds it as before; the string entries as the manifest says.
      const after = entriesOf(clientKey);
      expect(after.get("folder")).toBe(folder);
      expect([...after.keys()]).toEqual(keysAfter);
      expect(JSON.parse(after.get("site")!)).toMatchObject({ stringValue: "south" });

      const again = await runCli(emulator(), ["plan", dir, "--metadata", mode]);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe("No changes. Sift matches the manifests.\n");
    },
  );

  it("--metadata replace says once, in every report format, that the relation entry is kept", async () => {
    const dir = manifestDir({
      "runs.yaml": "- clientKey: rel-saved\n  metadata: {site: east}\n",
    });
    const message =
      "--metadata replace keeps metadata.folder as Sift has it: relation values are not managed by manifests";
    const table = await runCli(emulator(), ["plan", dir, "--metadata", "replace"]);
    expect(table.stdout).toContain(`    ! ${message}\n`);
    expect(table.stdout.split(message)).toHaveLength(2);
    expect(table.stdout).toContain('metadata.operator: "ana" → (removed)');
    expect(table.stdout).not.toContain("metadata.folder:");

    const markdown = await runCli(emulator(), [
      "plan",
      dir,
      "--metadata",
      "replace",
      "--format",
      "markdown",
    ]);
    expect(markdown.stdout).toContain(`⚠️ ${message}`);
    expect(markdown.stdout.split(message)).toHaveLength(2);

    const { plan } = await planJson(emulator(), [dir, "--metadata", "replace"]);
    expect(plan.changes[0]).toMatchObject({ action: "update", warnings: [message] });
    expect(plan.changes[0]!.fields.map((f) => f.field)).toEqual([
      "metadata.site",
      "metadata.operator",
    ]);

    // Merge removes nothing: nothing to say.
    const merge = await planJson(emulator(), [dir]);
    expect(merge.plan.changes[0]!.warnings).toEqual([]);
  });

  it("a saved plan carries the relation entry to its apply byte for byte", async () => {
    const folder = entriesOf("rel-saved").get("folder")!;
    const dir = manifestDir({
      "runs.yaml": "- clientKey: rel-saved\n  metadata: {site: west, operator: bo}\n",
    });
    const planFile = join(manifestDir({}), "plan.json");
    const planned = await runCli(viaProxy(), [
      "plan",
      dir,
      "--metadata",
      "replace",
      "--out",
      planFile,
    ]);
    expect(planned.code).toBe(0);
    expect(readFileSync(planFile, "utf8")).toContain(folder);

    const sentBefore = proxy.updateBodies().length;
    const applied = await runCli(viaProxy(), ["apply", "--plan", planFile]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^Applied: 0 created, 1 updated/);
    expect(sentEntries(sentBefore)[0]).toContain(folder);
    expect(entriesOf("rel-saved").get("folder")).toBe(folder);

    // Applied again: the run holds what the plan wrote, relation entry included.
    const again = await runCli(viaProxy(), ["apply", "--plan", planFile]);
    expect(again.stdout).toMatch(/^Applied: 0 created, 0 updated, 1 unchanged/);
  });
});

describe("a manifest naming a relation key", () => {
  it("is an error at the key, and nothing is written", async () => {
    const dir = manifestDir({
      "runs.csv": "clientKey,metadata.folder,metadata.site\nrel-named,projects,south\n",
      "more.yaml": "- clientKey: rel-new\n  name: New\n  metadata: {folder: x}\n",
    });
    const before = emulator().stats().writes;
    const result = await runCli(emulator(), ["apply", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "runs.csv:2 metadata.folder is a relation key in Sift; relation values are not managed by manifests",
    );
    expect(result.stderr).toContain(
      "more.yaml:1 metadata.folder is a relation key in Sift; relation values are not managed by manifests",
    );
    expect(emulator().stats().writes).toBe(before);
  });

  it("with a relation type suffix is a manifest error offline", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,metadata.folder:relation\nr-1,x\n" });
    const result = await runCli(emulator(), ["validate", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'has an unknown type "relation" (expected string, number or boolean)',
    );
  });
});

describe("export of runs holding relation (and unknown) entries", () => {
  it.each(["csv", "yaml"] as const)(
    "leaves them out with one note (%s), and plans back to No changes in merge and replace",
    async (format) => {
      const cwd = manifestDir({});
      const out = join(cwd, `runs.${format}`);
      const exported = await runCli(emulator(), [
        "export",
        "--filter",
        "client_key == 'rel-export'",
        "--out",
        out,
      ]);
      expect(exported.code).toBe(0);
      const notes = exported.stderr.split("\n").filter((l) => /folder|due/.test(l));
      expect(notes).toEqual([
        "note: metadata.due, metadata.folder not written for 1 run (rel-export): relation values and values of a type or shape this tool does not know have no manifest form; plan and apply keep them as Sift has them, with --metadata merge or replace",
      ]);
      const text = readFileSync(out, "utf8");
      expect(text).not.toMatch(/folder|due/);
      expect(text).toContain("operator");
      for (const mode of ["merge", "replace"]) {
        const plan = await runCli(emulator(), ["plan", out, "--metadata", mode]);
        expect(plan.stdout).toBe("No changes. Sift matches the manifests.\n");
      }
    },
  );
});
