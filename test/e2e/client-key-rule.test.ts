import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { uuidOf } from "../helpers/emulator.js";
import { manifestDir, runCli, SEED, useEmulator } from "./harness.js";

// Sift refuses to create a run whose clientKey breaks its rule (sift-api.md, "Server-side
// rules"); a run made before the rule keeps its key and is matched by it.
const OLD = { runId: uuidOf(1), clientKey: "legacy key:1", name: "Old run" };
const emulator = useEmulator({ seed: { ...SEED, runs: [OLD] } });

const RULE =
  /"bad key:2" holds " " and ":", and no run has this key: Sift creates runs only with clientKeys of 2 to 128 characters/;

function manifest(prefix: string) {
  return manifestDir({
    "runs.csv": [
      "clientKey,name",
      `${prefix}-ok,Fine`,
      "bad key:2,Would be refused",
      // An existing run's key is matched whatever it holds: updated here.
      "legacy key:1,Old run renamed",
    ].join("\n"),
  });
}

describe("a new run's clientKey follows Sift's rule", () => {
  it("plan: the create is invalid at its row with the rule in words and a fix; the existing run is updated; exit 1", async () => {
    const { code, stdout } = await runCli(emulator(), ["plan", manifest("p"), "--format", "json"]);
    expect(code).toBe(1);
    const plan = JSON.parse(stdout) as {
      summary: Record<string, number>;
      changes: { clientKey: string; action: string; problems?: string[]; runId?: string }[];
    };
    expect(plan.changes.map((c) => [c.clientKey, c.action])).toEqual([
      ["p-ok", "create"],
      ["bad key:2", "invalid"],
      ["legacy key:1", "update"],
    ]);
    expect(plan.changes[2]!.runId).toBe(OLD.runId);
    expect(JSON.stringify(plan.changes[1])).toMatch(/runs.csv:3/);
    expect(JSON.stringify(plan.changes[1])).toContain("sanitize: true");
    const table = await runCli(emulator(), ["plan", manifest("p")]);
    expect(table.stdout).toMatch(RULE);
    expect(table.stdout).toContain("--client-key-check off");
  });

  it("apply without --skip-invalid writes nothing and names the row", async () => {
    const before = emulator().stats().writes;
    const { code, stderr } = await runCli(emulator(), ["apply", manifest("a")]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/runs.csv:3 clientKey: /);
    expect(stderr).toMatch(RULE);
    expect(stderr).toMatch(/nothing was written \(2 valid runs were held back/);
    expect(emulator().stats().writes).toBe(before);
  });

  it("apply --skip-invalid creates and updates the rest; the refused create fails at its row, never sent", async () => {
    const results = join(manifestDir({}), "results.jsonl");
    const { code, stdout } = await runCli(emulator(), [
      "apply",
      manifest("s"),
      "--skip-invalid",
      "--results",
      results,
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Applied: 1 created, 1 updated, 0 unchanged, 1 failed/);
    const lines = readFileSync(results, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { clientKey: string; status: string; error?: string });
    const bad = lines.find((l) => l.clientKey === "bad key:2")!;
    expect(bad.status).toBe("failed");
    expect(bad.error).toMatch(RULE);
    expect(
      emulator()
        .runs()
        .some((r) => r.clientKey === "bad key:2"),
    ).toBe(false);
    expect(
      emulator()
        .runs()
        .find((r) => r.runId === OLD.runId)?.name,
    ).toBe("Old run renamed");
    // Re-planned: the existing run with the old key is unchanged.
    const again = await runCli(emulator(), ["plan", manifest("s"), "--only", "legacy key:1"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes/);
  });

  it("--client-key-check off plans the create, and a Sift that accepts other keys makes it", async () => {
    const lenient = await startEmulator({ port: 0, seed: SEED, clientKeyCheck: "off" });
    try {
      const dir = manifestDir({ "runs.csv": "clientKey,name\nany key: 3,Accepted\n" });
      const plan = await runCli(lenient, ["plan", dir, "--client-key-check", "off"]);
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain('+ create "any key: 3"');
      const applied = await runCli(lenient, ["apply", dir, "--client-key-check", "off"]);
      expect(applied.code).toBe(0);
      expect(lenient.runs().map((r) => r.clientKey)).toEqual(["any key: 3"]);
    } finally {
      await lenient.close();
    }
  });

  it("--client-key-check off against Sift's rule: the create is sent and fails with Sift's message", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nsent key: 4,Refused by Sift\n" });
    const { code, stderr } = await runCli(emulator(), ["apply", dir, "--client-key-check", "off"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/client_key must be 3-128 characters/);
  });

  it("--mode update-only never creates, so a bad key is only skipped", async () => {
    const dir = manifestDir({ "runs.csv": "clientKey,name\nnew key: 5,Never made\n" });
    const { code, stdout } = await runCli(emulator(), ["plan", dir, "--mode", "update-only"]);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/invalid/);
  });
});

describe("validate (offline)", () => {
  it("warns about each key a new run could not have, naming the rule; --client-key-check off does not", async () => {
    const dir = manifest("v");
    const { code, stdout, stderr } = await runCli(emulator(), ["validate", dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/valid: 1 file, 3 runs, 0 errors, 2 warnings/);
    expect(stderr).toMatch(
      /warning: .*runs.csv:3 clientKey: "bad key:2" holds " " and ":": Sift creates runs only with clientKeys of 2 to 128 characters/,
    );
    expect(stderr).toMatch(/runs.csv:4 clientKey: "legacy key:1"/);
    const off = await runCli(emulator(), ["validate", dir, "--client-key-check", "off"]);
    expect(off.stderr).not.toMatch(/warning/);
  });
});
