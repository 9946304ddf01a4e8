import { describe, expect, it } from "vitest";
import { projectDir, readRuns, validate } from "./support.js";

/** A config reading `exports/tests.csv` with `clientKey: {template, sanitize: true}`. */
function project(
  csv: string,
  clientKey = `{ template: "TS {Test ID} {Started}", sanitize: true }`,
) {
  return projectDir({
    "exports/tests.csv": csv,
    "sift-run-sync.yaml": `version: 1
sources:
  - path: exports/tests.csv
    fields:
      clientKey: ${clientKey}
      name: Test Name
    ignoreColumns: [Started]
`,
  });
}

describe("clientKey: { sanitize: true }", () => {
  it("makes each text a key Sift accepts: runs of other characters become one '-', outer ones go", async () => {
    const dir = project(
      [
        "Test ID,Test Name,Started",
        "1001,Hot fire,2024-05-01T08:00:00Z",
        '#7 / B,Cold flow,"  2024-05-02 09:00 "',
        "ünï,Unicode,x",
      ].join("\n"),
    );
    const { specs, problems } = await readRuns(dir);
    expect(problems).toEqual([]);
    expect(specs.map((s) => s.clientKey)).toEqual([
      "TS-1001-2024-05-01T08-00-00Z",
      "TS-7-B-2024-05-02-09-00",
      "TS-n-x",
    ]);
    // validate has nothing to warn about: every key follows the rule.
    const checked = await validate(dir);
    expect(checked.code).toBe(0);
    expect(checked.problems).toEqual([]);
  });

  it("a text still invalid once sanitized (too short, too long) is an error at its row, never cut", async () => {
    const dir = project(
      [
        "Test ID,Test Name",
        "!!,Nothing left",
        "x,Too short",
        `${"y".repeat(129)},Too long`,
        "ok,Fine",
      ].join("\n"),
      "{ column: Test ID, sanitize: true }",
    );
    const { code, problems } = await validate(dir);
    expect(code).toBe(1);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /tests\.csv:2 Test ID \(clientKey, via .*\): "!!" sanitizes to "", which is 0 characters long \(Sift needs a clientKey of 2 to 128 characters/,
        ),
        expect.stringMatching(/tests\.csv:3 .*"x" sanitizes to "x", which is 1 character long/),
        expect.stringMatching(
          /tests\.csv:4 .*sanitizes to "y+…", which is 129 characters long.*keys are never cut/,
        ),
      ]),
    );
    expect(problems.some((p) => p.includes("tests.csv:5"))).toBe(false);
  });

  it("two rows sanitized to one key are the duplicate-key error, naming both rows and their texts", async () => {
    const dir = project(
      ["Test ID,Test Name", "A 1,First", "B,Other", "A/1,Second"].join("\n"),
      "{ column: Test ID, sanitize: true }",
    );
    const { code, problems } = await validate(dir);
    expect(code).toBe(1);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /tests\.csv:4 clientKey: "A-1" \(sanitized from "A\/1"\) is also defined at .*tests\.csv:2 \(sanitized from "A 1"\)/,
      ),
    );
  });

  it("is only for clientKey", async () => {
    const dir = projectDir({
      "exports/tests.csv": "Test ID,Test Name\n1,One\n",
      "sift-run-sync.yaml": `version: 1
sources:
  - path: exports/tests.csv
    fields:
      clientKey: Test ID
      name: { column: Test Name, sanitize: true }
`,
    });
    const { code, problems } = await validate(dir);
    expect(code).toBe(1);
    expect(problems.join("\n")).toMatch(/fields\.name\.sanitize.*is only for clientKey/);
  });

  it("options.clientKeyCheck: off turns the rule off as the flag does; the flag wins", async () => {
    const dir = projectDir({
      "exports/tests.csv": "Test ID,Test Name\nA 1,One\n",
      "sift-run-sync.yaml": `version: 1
sources:
  - path: exports/tests.csv
    fields: { clientKey: Test ID, name: Test Name }
options: { clientKeyCheck: "off" }
`,
    });
    expect((await validate(dir)).problems).toEqual([]);
    const flagged = await validate(dir, ["--client-key-check", "sift"]);
    expect(flagged.problems.join("\n")).toMatch(/warning: .*clientKey: "A 1" holds " "/);
  });
});
