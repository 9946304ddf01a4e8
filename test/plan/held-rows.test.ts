import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
