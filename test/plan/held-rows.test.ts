import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  cacheEntryOf,
  isReplayed,
  lineHashOf,
  replayedSpec,
  type RunSpec,
  stubSpec,
} from "../../src/manifest/index.js";
import { HeldRows } from "../../src/plan/held-rows.js";
import { readManifests } from "../../src/plan/read-input.js";
import { manifestDir } from "../e2e/harness.js";

/** Issue 22 item 4: a small manifest is read from its files once; the passes after read memory. */

const spec = (clientKey: string) => ({ clientKey, source: { file: "m.csv", line: 2 } });

describe("rows held after the validating pass", () => {
  it("a small manifest's later passes do not read its file again", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nk1,A\nk2,B\n" });
    const manifests = await readManifests({ paths: [join(dir, "runs.csv")] });
    expect(manifests.held).toBe(true);
    // Had the file been read again, these rows would be the new ones.
    writeFileSync(join(dir, "runs.csv"), "clientKey,name\nk9,Z\n");
    const names = [];
    for await (const row of manifests.rows()) names.push("name" in row ? row.name : undefined);
    expect(names).toEqual(["A", "B"]);
    const again = [];
    for await (const row of manifests.rows()) again.push(row);
    expect(again).toHaveLength(2);
  });

  it("holds a copy of a stub run, which still stands for its cache entry, line and pass", () => {
    const held = new HeldRows();
    const line = stubSpec("k1", { file: "m.csv", line: 2 }, 7, 0x1234);
    const replayed = replayedSpec("k2", { file: "m.csv", line: 3 }, 8);
    held.add(line);
    held.add(replayed);
    const [a, b] = held.all! as RunSpec[];
    // Not the reader's objects (V8 would make the reader's stubs old: see compact)...
    expect(a).not.toBe(line);
    expect(a!.source).not.toBe(line.source);
    expect(b).not.toBe(replayed);
    // ...but the same runs.
    expect([a!.clientKey, a!.source]).toEqual(["k1", { file: "m.csv", line: 2 }]);
    expect([cacheEntryOf(a!), lineHashOf(a!), isReplayed(a!)]).toEqual([7, 0x1234, false]);
    expect([cacheEntryOf(b!), lineHashOf(b!), isReplayed(b!)]).toEqual([8, undefined, true]);
  });

  it("held strings are copies: they do not keep the file's text alive", async () => {
    // Each line is ~40 KB of padding around its cells; a trimmed cell is a view of the chunk it
    // was cut from, so holding the views would hold the whole file (~20 MB).
    const pad = " ".repeat(20_000);
    const lines = ["clientKey,name,description"];
    for (let i = 0; i < 500; i++)
      lines.push(
        `key-${i}-of-the-manifest,${pad}Name of run number ${i}${pad},Ünïcode ✓ text ${i}`,
      );
    const dir = manifestDir({ "runs.csv": `${lines.join("\n")}\n`, "warm.csv": "clientKey\nk\n" });
    await readManifests({ paths: [join(dir, "warm.csv")] }); // the readers' modules loaded
    const before = heapAfterGc();
    const manifests = await readManifests({ paths: [join(dir, "runs.csv")] });
    const retained = heapAfterGc() - before;
    expect(manifests.held).toBe(true);
    const rows = [];
    for await (const row of manifests.rows()) rows.push(row);
    expect(rows[499]).toMatchObject({
      clientKey: "key-499-of-the-manifest",
      name: "Name of run number 499",
      description: "Ünïcode ✓ text 499",
    });
    expect(retained).toBeLessThan(4_000_000);
  });

  it("a held row keeps its values: list items, metadata values and their text", async () => {
    const dir = manifestDir({
      "runs.yaml": [
        "- clientKey: yaml-run-with-a-long-key",
        "  name: A name longer than thirteen",
        "  startTime: 2024-05-01T10:00:00Z",
        "  stopTime: 2024-05-01T11:00:00Z",
        "  assets: [stand-a-with-a-long-name, rig-7]",
        "  tags: [zeta-tag-of-some-length, alpha]",
        "  metadata: {sample_id: 00123, campaign: campaign-of-the-spring, ok: true}",
        "",
      ].join("\n"),
    });
    const manifests = await readManifests({ paths: [join(dir, "runs.yaml")] });
    expect(manifests.held).toBe(true);
    const rows = [];
    for await (const row of manifests.rows()) rows.push(row);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      clientKey: "yaml-run-with-a-long-key",
      name: "A name longer than thirteen",
      assets: ["stand-a-with-a-long-name", "rig-7"],
      tags: ["alpha", "zeta-tag-of-some-length"],
      metadata: {
        sample_id: { value: 123, text: "00123" },
        campaign: { value: "campaign-of-the-spring" },
        ok: { value: true },
      },
    });
  });

  it("holds objects of its own, not the reader's (which V8 would then make old, for every row after)", () => {
    const metadata = { campaign: { value: "c-1" }, n: { value: 2, type: "number" as const } };
    const row = { ...spec("k"), metadata };
    const source = row.source;
    const held = new HeldRows();
    held.add(row);
    const kept = held.all![0] as typeof row;
    expect(kept.source).toEqual(source);
    expect(kept.source).not.toBe(source);
    expect(kept.metadata).toEqual(metadata);
    expect(kept.metadata).not.toBe(metadata);
    expect(kept.metadata.campaign).not.toBe(metadata.campaign);
    expect(kept.metadata.n).not.toBe(metadata.n);
  });

  it("lets go of the rows past either bound (the manifest streams from its files again)", () => {
    const byRows = new HeldRows(2, Infinity);
    for (const key of ["a", "b"]) byRows.add(spec(key));
    expect(byRows.all?.map((r) => ("clientKey" in r ? r.clientKey : ""))).toEqual(["a", "b"]);
    byRows.add(spec("c"));
    expect(byRows.all).toBeUndefined();
    byRows.add(spec("d"));
    expect(byRows.all).toBeUndefined();

    const byBytes = new HeldRows(Infinity, 1000);
    byBytes.add(spec("a"));
    expect(byBytes.all).toHaveLength(1);
    byBytes.add(spec("b"));
    expect(byBytes.all).toBeUndefined();
  });
});

/** heapUsed after full collections (gc exposed at run time, as --expose-gc would). */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}
