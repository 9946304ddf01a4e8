import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { manifestDir, type PlanJson, planJson, runCli } from "../e2e/harness.js";

/** `export --out DIR/runs.<ext> ...args` in-process; returns the file's text and the CLI result. */
export async function exportTo(emulator: Emulator, format: "csv" | "yaml", args: string[] = []) {
  const dir = manifestDir({});
  const file = join(dir, `runs.${format}`);
  const result = await runCli(emulator, ["export", "--out", file, ...args]);
  const text = result.code === 0 ? readFileSync(file, "utf8") : "";
  return { ...result, file, text };
}

/** Export, then plan the exported file: the plan as JSON. */
export async function exportThenPlan(
  emulator: Emulator,
  format: "csv" | "yaml",
  args: string[] = [],
): Promise<{ plan: PlanJson; text: string; stderr: string }> {
  const exported = await exportTo(emulator, format, args);
  expect(exported.code, exported.stderr).toBe(0);
  const { plan } = await planJson(emulator, [exported.file]);
  return { plan, text: exported.text, stderr: exported.stderr };
}

/** The contract: nothing to create or update, no warnings, nothing invalid. */
export function expectNoChanges(plan: PlanJson, text: string): void {
  const changed = plan.changes.filter((c) => c.action !== "unchanged");
  expect(changed, `exported manifest:\n${text}`).toEqual([]);
  expect(plan.summary.warnings, JSON.stringify(plan.changes.filter((c) => c.warnings.length))).toBe(
    0,
  );
}
