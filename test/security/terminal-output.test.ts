import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { cli, workspace } from "./support.js";

/**
 * What the CLI prints quotes manifest text: file names, YAML keys, values. None of it may
 * reach a terminal as an escape sequence (clear the screen, recolour, retitle the window),
 * and text that is not text (half a character) is refused, never an internal error.
 */
const BROKEN = new URL("../../fixtures/manifests/broken/", import.meta.url).pathname;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const C0_CONTROL = /[\u0000-\u0008\u000b-\u001f]/;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());
const env = () => ({ SIFT_REST_URI: emulator.url, SIFT_API_KEY: "local" });

describe("terminal output", () => {
  it("problems quoting escape sequences from a manifest print them escaped", async () => {
    const run = await cli(["validate", "escape-sequence-key.yaml"], {}, BROKEN);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(CONTROL);
    expect(run.stderr).toContain("escape-sequence-key.yaml:5 x\\u001b[2J: unknown key");
  });

  it("plan reports show escape sequences in values escaped, in every format", async () => {
    const runs = [
      { clientKey: "esc-1", name: "\u001b[2J\u001b]0;owned\u0007", description: "a\rb\u009bc" },
      { clientKey: "esc-2", name: "x", tags: ["\u001b[31mred"], metadata: { note: "\u001b[5m" } },
    ];
    const { manifests } = workspace({ "runs.json": JSON.stringify(runs) });
    for (const format of ["table", "markdown", "json"]) {
      const run = await cli(["plan", manifests, "--format", format], env());
      expect(run.code, run.stderr).toBe(0);
      // JSON is data and stays exact: JSON.stringify escapes C0 controls, keeps C1 ones.
      expect(run.stdout + run.stderr).not.toMatch(format === "json" ? C0_CONTROL : CONTROL);
    }
  });

  it.each(["lone-surrogate.json", "lone-surrogate.yaml"])(
    "%s: half characters are refused before any request, not an internal error",
    async (file) => {
      const before = emulator.stats().total;
      for (const command of ["plan", "apply"]) {
        const run = await cli([command, file], env(), BROKEN);
        expect(run.code).toBe(1);
        expect(run.stderr).not.toMatch(/internal error/);
        expect(run.stderr).toMatch(
          new RegExp(`^${file.replace(".", "\\.")}:\\d+ .* holds half of a character`, "m"),
        );
      }
      expect(emulator.stats().total).toBe(before);
    },
  );
});
