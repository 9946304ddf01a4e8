import { describe, expect, it } from "vitest";
import { EXIT_CODES, GUARDS } from "../../src/cli/exit-codes.js";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../helpers/io.js";

describe("--help", () => {
  it("lists every exit code, 3 (a refused guard) and 143 (SIGTERM) included", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    for (const code of ["0", "1", "2", "3", "130", "141", "143"]) {
      expect(io.out()).toMatch(new RegExp(`^  ${code} +\\S`, "m"));
    }
    // Every guard that exits 3 is named.
    expect(io.out()).toMatch(/^ {2}3 +a guard refused the plan \(--max-changes, --max-archive, /m);
    expect(io.out()).toContain("--allow-empty): nothing was written");
    expect(io.out()).toContain("143  stopped by SIGTERM: the same as 130");
  });

  it("is generated from the exit-code table: every code with its text, every guard's flags", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    const help = io.out().slice(io.out().indexOf("Exit codes:"));
    // The help wraps long lines: compare with the words only.
    const words = help.replace(/\s+/g, " ");
    for (const { code, help: text } of EXIT_CODES) {
      expect(words).toContain(` ${code} ${text}`);
    }
    for (const guard of GUARDS) expect(words).toContain(guard);
  });

  it("says 130 and 143 in the help of every command that talks to the API", async () => {
    for (const command of ["plan", "apply", "export"]) {
      const io = captureIo();
      expect(await main([command, "--help"], io)).toBe(0);
      expect(io.out(), command).toMatch(/^ {2}130 +interrupted by Ctrl-C \(SIGINT\)/m);
      expect(io.out(), command).toMatch(/^ {2}143 +stopped by SIGTERM/m);
    }
  });
});
