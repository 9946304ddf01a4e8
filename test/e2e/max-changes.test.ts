import { describe, expect, it } from "vitest";
import { checkMaxChanges, parseChangeLimit } from "../../src/plan/guard.js";
import { manifestDir, runCli, useEmulator } from "./harness.js";

const emulator = useEmulator();

function runs(prefix: string, n: number, name = "Run"): string {
  const rows = Array.from({ length: n }, (_, i) => `${prefix}-${i},${name} ${i}`);
  return `clientKey,name\n${rows.join("\n")}\n`;
}

describe("--max-changes N|P%", () => {
  it("apply writes nothing, says why, and exits 3 when the plan would change more runs", async () => {
    const dir = manifestDir({ "runs.csv": runs("mc", 20) });
    const before = emulator().stats().writes;
    const { code, stderr, stdout } = await runCli(emulator(), [
      "apply",
      dir,
      "--max-changes",
      "10",
    ]);
    expect(code).toBe(3);
    expect(emulator().stats().writes).toBe(before);
    expect(stderr).toContain(
      "error: --max-changes 10: the plan would change 20 runs (20 creates, 0 updates), more than 10; nothing was written",
    );
    // stdout's one document: the summary, with the refusal (guard-reports.test.ts).
    expect(stdout).toMatch(
      /^Nothing applied: 0 created, 0 updated, 0 unchanged, 0 failed, 20 skipped/,
    );
  });

  it("counts creates and updates against P% of the manifests' runs", async () => {
    const dir = manifestDir({ "runs.csv": runs("mp", 20) });
    expect((await runCli(emulator(), ["apply", dir])).code).toBe(0);
    // 3 of 20 renamed, 2 new: 5 changes of 22 runs.
    const next = runs("mp", 20)
      .replace("mp-0,Run 0", "mp-0,Renamed 0")
      .replace("mp-1,Run 1", "mp-1,Renamed 1")
      .replace("mp-2,Run 2", "mp-2,Renamed 2");
    const changed = manifestDir({ "runs.csv": `${next}mp-20,New\nmp-21,New\n` });
    const refused = await runCli(emulator(), ["apply", changed, "--max-changes", "20%"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      "--max-changes 20%: the plan would change 5 runs (2 creates, 3 updates), more than 4 (20% of 22 runs)",
    );
    const plan = await runCli(emulator(), ["plan", changed, "--max-changes", "20%"]);
    expect(plan.code).toBe(3);
    expect(plan.stdout).toContain("Plan: 2 to create, 3 to update");
    expect(plan.stderr).toContain("apply would refuse this plan");
    const allowed = await runCli(emulator(), ["apply", changed, "--max-changes", "25%"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^Applied: 2 created, 3 updated, 17 unchanged/);
  });

  it("rejects a limit that is neither a number nor a percentage", async () => {
    const dir = manifestDir({ "runs.csv": runs("mx", 1) });
    const { code, stderr } = await runCli(emulator(), ["plan", dir, "--max-changes", "ten"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /--max-changes.*expected a number of runs \(e\.g\. 500\) or a percentage/,
    );
  });

  it("exposes one check for every guarded kind (archives count too)", () => {
    expect(parseChangeLimit("10%")).toEqual({ percent: 10 });
    expect(parseChangeLimit("7")).toEqual({ count: 7 });
    expect(() => parseChangeLimit("150%")).toThrow(RangeError);
    expect(checkMaxChanges({ count: 5 }, { create: 2, update: 3 }, 100)).toBeUndefined();
    expect(checkMaxChanges({ count: 5 }, { create: 2, update: 3, archive: 1 }, 100)).toBe(
      "--max-changes 5: the plan would change 6 runs (2 creates, 3 updates, 1 archive), more than 5",
    );
  });
});
