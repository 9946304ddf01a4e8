import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  changeKey,
  apply,
  type Change,
  createSiftClient,
  type Emulator,
  plan,
  type RowResult,
  startEmulator,
} from "../src/index.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: { assets: [{ name: "stand-a" }] } });
});
afterAll(() => emulator.close());

describe("the library API", () => {
  it("plans and applies through the package entry point, with change and result hooks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "srs-lib-"));
    writeFileSync(
      join(dir, "runs.yaml"),
      "- {clientKey: lib-1, name: One, tags: [x]}\n- {clientKey: lib-2, name: Two}\n",
    );
    const client = createSiftClient({ baseUrl: emulator.url, apiKey: "local", concurrency: 4 });

    const changes: Change[] = [];
    const preview = await plan({ paths: [dir], client, onChange: (c) => changes.push(c) });
    expect(preview.summary).toMatchObject({ create: 2, update: 0, unchanged: 0 });
    expect(changes.map((c) => [changeKey(c), c.action])).toEqual([
      ["lib-1", "create"],
      ["lib-2", "create"],
    ]);

    const rows: RowResult[] = [];
    const result = await apply({
      paths: [dir],
      client,
      concurrency: 4,
      onResult: (r) => rows.push(r),
    });
    expect(result).toMatchObject({
      created: 2,
      updated: 0,
      unchanged: 0,
      failed: 0,
      skipped: 0,
      interrupted: false,
    });
    expect(rows.map((r) => r.outcome.status)).toEqual(["ok", "ok"]);
    expect(
      emulator
        .runs()
        .map((r) => r.clientKey)
        .sort(),
    ).toEqual(["lib-1", "lib-2"]);

    const again = await apply({ paths: [dir], client });
    expect(again).toMatchObject({ created: 0, unchanged: 2 });
  });
});
