import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../helpers/io.js";
import { manifestDir, runCli, SEED, useEmulator } from "./harness.js";

const emulator = useEmulator({
  seed: { ...SEED, metadataKeys: [...SEED.metadataKeys, { name: "sample_id", type: "string" }] },
});

const TIMES = "2024-01-01T00:00:00Z;2024-01-01T01:00:00Z";

describe("a YAML/JSON number for a metadata key of type string", () => {
  it("keeps its source text (00123 stays 00123), written so and then unchanged", async () => {
    const cwd = manifestDir({
      "runs.yaml":
        "- clientKey: s-1\n  name: S1\n  metadata: {sample_id: 00123, altitude_m: 0012}\n",
      "more.json": '[{"clientKey": "s-2", "name": "S2", "metadata": {"sample_id": 1.50}}]',
    });
    const applied = await runCli(emulator(), ["apply", "runs.yaml", "more.json"], cwd);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    const stored = (clientKey: string) =>
      emulator()
        .runs()
        .find((r) => r.clientKey === clientKey)
        ?.metadata?.map((m) => [m.key.name, m.stringValue ?? m.numberValue]);
    expect(stored("s-1")).toEqual(
      expect.arrayContaining([
        ["sample_id", "00123"],
        ["altitude_m", 12], // a number key takes the number
      ]),
    );
    expect(stored("s-2")).toEqual([["sample_id", "1.50"]]);
    const again = await runCli(emulator(), ["plan", "runs.yaml", "more.json"], cwd);
    expect(again.stdout).toContain("No changes");
  });
});

describe("--local with the user's own exports", () => {
  it("creates asset names the embedded emulator does not know, with a note", async () => {
    const cwd = manifestDir({
      "stand.csv":
        `clientKey;name;assets;startTime;stopTime\nown-1;First;Stand 9;${TIMES}\nown-2;Second;Stand 9;rig-7;${TIMES}\n`.replace(
          "Stand 9;rig-7",
          '"Stand 9;Rig X"',
        ),
    });
    const plan = captureIo({}, cwd);
    expect(await main(["plan", "--local", "stand.csv"], plan)).toBe(0);
    expect(plan.out()).toContain("Plan: 2 to create");
    expect(plan.err()).toContain(
      "--local: created 2 assets the local emulator did not know: Stand 9, Rig X (only in .sift-local/, never in Sift",
    );
    const apply = captureIo({}, cwd);
    expect(await main(["apply", "--local", "stand.csv"], apply)).toBe(0);
    expect(apply.err()).not.toContain("created"); // known since the plan: no second note
    const again = captureIo({}, cwd);
    expect(await main(["plan", "--local", "stand.csv"], again)).toBe(0);
    expect(again.out()).toContain("No changes");
    expect(existsSync(join(cwd, ".sift-local", "state.json"))).toBe(true);
  });

  it("never creates assets against Sift: an unknown asset stays a located problem", async () => {
    const cwd = manifestDir({
      "stand.csv": `clientKey;assets;startTime;stopTime\nown-3;Stand 10;${TIMES}\n`,
    });
    const result = await runCli(emulator(), ["apply", "stand.csv"], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("stand.csv:2");
    expect(result.stderr).toContain("Stand 10");
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "own-3"),
    ).toBe(false);
  });
});
