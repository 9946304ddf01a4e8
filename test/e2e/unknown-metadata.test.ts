import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { type RecordingProxy, startRecordingProxy } from "../helpers/recording-proxy.js";
import { unknownEntries } from "../helpers/unknown-entries.js";
import { manifestDir, runCli, SEED, useEmulator } from "./harness.js";

/**
 * A metadata entry of any type or shape this client does not know (a newer Sift's) is carried
 * through every UpdateRun byte for byte, in merge and in replace mode: the emulator holds such
 * entries through the seed-only `rawMetadata` and accepts them back unchanged.
 */

const emulator = useEmulator({
  seed: {
    ...SEED,
    metadataKeys: [
      ...SEED.metadataKeys,
      { name: "site", type: "string" },
      { name: "note", type: "string" },
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

const SITE = { key: { name: "site", type: "METADATA_KEY_TYPE_STRING" }, stringValue: "north" };

describe("metadata entries of unknown shape", () => {
  it("every UpdateRun body carries them byte-equal, in merge and replace, saved plans too; the re-plan is No changes", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("merge", "replace"),
        fc.constantFrom("apply", "saved plan"),
        fc.nat(3),
        unknownEntries("k", 3),
        async (mode, how, at, unknown) => {
          const clientKey = `um-${n++}`;
          // Their keys are new to the organization each time: a key has one type.
          const entries = unknown.map((e) => ({
            ...e,
            key: { ...e.key, name: `${clientKey}-${e.key.name}` },
          }));
          const raw = [...entries];
          raw.splice(Math.min(at, raw.length), 0, SITE);
          emulator().load({
            runs: [{ clientKey, name: clientKey, metadata: { note: "x" }, rawMetadata: raw }],
          });
          const dir = manifestDir({
            "runs.yaml": `- clientKey: ${clientKey}\n  metadata: {site: south}\n`,
          });
          const sentBefore = proxy.updateBodies().length;
          const viaProxy = { url: proxy.url } as Emulator;
          let applied: Awaited<ReturnType<typeof runCli>>;
          if (how === "apply") {
            applied = await runCli(viaProxy, ["apply", dir, "--metadata", mode]);
          } else {
            const planFile = join(manifestDir({}), "plan.json");
            await runCli(viaProxy, ["plan", dir, "--metadata", mode, "--out", planFile]);
            const saved = readFileSync(planFile, "utf8");
            for (const entry of entries) expect(saved).toContain(JSON.stringify(entry));
            applied = await runCli(viaProxy, ["apply", "--plan", planFile]);
          }
          expect(applied.code, applied.stderr).toBe(0);
          expect(applied.stdout).toMatch(/^Applied: 0 created, 1 updated/);

          const bodies = proxy.updateBodies().slice(sentBefore);
          expect(bodies.length).toBeGreaterThan(0);
          for (const body of bodies) {
            for (const entry of entries) expect(body).toContain(JSON.stringify(entry));
          }
          const again = await runCli(emulator(), ["plan", dir, "--metadata", mode]);
          expect(again.stdout).toBe("No changes. Sift matches the manifests.\n");
        },
      ),
      { numRuns: 50 },
    );
  }, 180_000);
});
