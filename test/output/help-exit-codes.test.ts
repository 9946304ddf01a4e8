import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../helpers/io.js";

describe("--help", () => {
  it("lists every exit code, 3 (a refused guard) included", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    for (const code of ["0", "1", "2", "3", "130", "141"]) {
      expect(io.out()).toMatch(new RegExp(`^  ${code} +\\S`, "m"));
    }
    expect(io.out()).toContain(
      "3    a guard refused the plan (--max-changes): nothing was written",
    );
  });
});
