import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../src/core/errors.js";
import { validateManifests } from "../../src/manifest/index.js";

/** Every problem of a row in one pass: an order error never hides behind another error. */
async function problemsOf(name: string, text: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "srs-pass-"));
  writeFileSync(join(dir, name), text);
  const result = await validateManifests([name], { cwd: dir });
  return result.problems.map(formatProblem);
}

describe("all problems of a row in one pass", () => {
  it("CSV: a bad value and start after stop are both reported", async () => {
    const problems = await problemsOf(
      "runs.csv",
      "clientKey,name,startTime,stopTime,isPinned\nk-1,A,2024-01-01T02:00:00Z,2024-01-01T01:00:00Z,maybe\n",
    );
    expect(problems).toEqual([
      expect.stringMatching(/^runs.csv:2 isPinned: /),
      expect.stringMatching(/^runs.csv:2 stopTime: 2024-01-01T01:00:00Z is not after startTime/),
    ]);
  });

  it("YAML: a bad value and start after stop are both reported", async () => {
    const problems = await problemsOf(
      "runs.yaml",
      '- clientKey: k-1\n  name: 42\n  startTime: "2024-01-01T02:00:00Z"\n  stopTime: "2024-01-01T01:00:00Z"\n',
    );
    expect(problems).toEqual([
      expect.stringMatching(/^runs.yaml:2 name: expected a string/),
      expect.stringMatching(/^runs.yaml:1 stopTime: .* is not after startTime/),
    ]);
  });

  it("a time that cannot be read is reported alone, not also as an order problem", async () => {
    const problems = await problemsOf(
      "runs.csv",
      "clientKey,name,startTime,stopTime\nk-1,A,yesterday,2024-01-01T01:00:00Z\n",
    );
    expect(problems).toEqual([expect.stringMatching(/^runs.csv:2 startTime: /)]);
  });
});
