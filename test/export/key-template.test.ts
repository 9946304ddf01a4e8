import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  disambiguateKey,
  expandKeyTemplate,
  parseKeyTemplate,
} from "../../src/export/key-template.js";
import fc from "fast-check";
import { isSiftClientKey } from "../../src/core/client-key.js";

const ID = "0f6c1e2a-77b4-4c1d-9e8f-a1b2c3d4e5f6";
const RUN = { runId: ID, name: "Hot fire 1", startTime: "2024-03-04T09:00:00Z" };

describe("--key-template", () => {
  it("expands {runId}, {name} and {startTime}", () => {
    expect(expandKeyTemplate(parseKeyTemplate("run-{runId}"), RUN)).toBe(`run-${ID}`);
    // Sanitized to Sift's rule: ":" and "@" are not in it.
    expect(expandKeyTemplate(parseKeyTemplate("ts-{name}@{startTime}"), RUN)).toBe(
      "ts-Hot-fire-1-2024-03-04T09-00-00Z",
    );
    expect(expandKeyTemplate(parseKeyTemplate("{startTime}"), RUN)).toBe("2024-03-04T09-00-00Z");
  });

  it("makes a key Sift accepts of any name: runs of other characters become '-', outer ones go", () => {
    const template = parseKeyTemplate("{name}");
    const key = (name: string) => expandKeyTemplate(template, { ...RUN, name });
    expect(key("  Stand A\t\tcold\nflow  ")).toBe("Stand-A-cold-flow");
    expect(key("esc\u001b[2Jape")).toBe("esc-2Jape");
    expect(key("a\u2028b\u00a0c")).toBe("a-b-c");
    expect(key("half \ud800 char")).toBe("half-char");
    expect(key("x")).toBe(`x-${ID}`);
    for (const name of ["  Stand A  ", "\u0000\u0001", "x".repeat(2000), "emoji 🚀 ".repeat(200)]) {
      expect(isSiftClientKey(key(name)), name.slice(0, 20)).toBe(true);
    }
  });

  it("any template and any run give a key by Sift's rule", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 150 });
    fc.assert(
      fc.property(
        fc.constantFrom(
          "{name}",
          "ts:{name}@{startTime}",
          "{startTime}",
          "run-{runId}",
          "{name}-{runId}",
        ),
        text,
        fc.option(text, { nil: undefined }),
        fc.uuid(),
        (template, name, startTime, runId) => {
          const values = { runId, name, startTime };
          expect(isSiftClientKey(expandKeyTemplate(parseKeyTemplate(template), values))).toBe(true);
          expect(isSiftClientKey(disambiguateKey(name.padEnd(130, "z"), runId, 3))).toBe(true);
        },
      ),
    );
  });

  it("falls back on the run id when a run gives the template nothing", () => {
    expect(expandKeyTemplate(parseKeyTemplate("{name}"), { ...RUN, name: " \t " })).toBe(
      `run-${ID}`,
    );
    expect(
      expandKeyTemplate(parseKeyTemplate("{startTime}"), { ...RUN, startTime: undefined }),
    ).toBe(`run-${ID}`);
  });

  it("cuts a key that is too long and keeps it unique with the run id", () => {
    const key = expandKeyTemplate(parseKeyTemplate("{name}"), { ...RUN, name: "n".repeat(600) });
    expect(key).toHaveLength(128);
    expect(key.endsWith(`-${ID}`)).toBe(true);
    expect(disambiguateKey("taken", ID, 1)).toBe(`taken-${ID}`);
    expect(disambiguateKey("taken", ID, 2)).toBe(`taken-${ID}-2`);
  });

  it("refuses unknown placeholders, unbalanced braces, no placeholder, outer spaces", () => {
    for (const bad of ["x-{id}", "x-{runId", "constant", " {runId}", "a\tb{runId}"]) {
      expect(() => parseKeyTemplate(bad), bad).toThrow(UsageError);
    }
  });
});
