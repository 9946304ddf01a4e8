import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { captureIo } from "./helpers/io.js";

const BIN = new URL("../bin/sift-run-sync.js", import.meta.url).pathname;

describe("the CLI", () => {
  it("prints help and version from bin/ with exit 0", () => {
    const help = execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    for (const cmd of ["validate", "plan", "apply", "emulator"]) expect(help).toContain(cmd);
    expect(help).toMatch(
      /Exit codes:[\s\S]*\n {2}3 +a guard refused the plan \(--max-changes, --max-archive/,
    );
    const version = execFileSync(process.execPath, [BIN, "--version"], { encoding: "utf8" });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("has --help on every subcommand", async () => {
    for (const cmd of ["validate", "plan", "apply", "emulator"]) {
      const io = captureIo();
      expect(await main([cmd, "--help"], io)).toBe(0);
      expect(io.out()).toContain(`Usage: sift-run-sync ${cmd}`);
    }
  });

  it("rejects an unknown flag with exit 1 and no stack trace", () => {
    const r = spawnSync(process.execPath, [BIN, "validate", "--bogus"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
