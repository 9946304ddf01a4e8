import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  disambiguateKey,
  expandKeyTemplate,
  parseKeyTemplate,
} from "../../src/export/key-template.js";
import { readClientKey } from "../../src/manifest/values.js";

const RUN = { runId: "0f6c-77", name: "Hot fire 1", startTime: "2024-03-04T09:00:00Z" };

describe("--key-template", () => {
  it("expands {runId}, {name} and {startTime}", () => {
    expect(expandKeyTemplate(parseKeyTemplate("run-{runId}"), RUN)).toBe("run-0f6c-77");
    expect(expandKeyTemplate(parseKeyTemplate("ts-{name}@{startTime}"), RUN)).toBe(
      "ts-Hot-fire-1@2024-03-04T09:00:00Z",
    );
  });

  it("makes a valid clientKey of any name: whitespace and control characters become '-', outer ones go", () => {
    const template = parseKeyTemplate("{name}");
    const key = (name: string) => expandKeyTemplate(template, { ...RUN, name });
    expect(key("  Stand A\t\tcold\nflow  ")).toBe("Stand-A-cold-flow");
    expect(key("esc\u001b[2Jape")).toBe("esc-[2Jape");
    expect(key("a\u2028b\u00a0c")).toBe("a-b-c");
    expect(key("half \ud800 char")).toBe("half-\ufffd-char");
    for (const name of ["  Stand A  ", "\u0000\u0001", "x".repeat(2000), "emoji 🚀 ".repeat(200)]) {
      const k = key(name);
      expect(typeof readClientKey(k)).toBe("string");
      expect(k).toBe(k.trim());
      expect(k.length).toBeLessThanOrEqual(512);
    }
  });

  it("falls back on the run id when a run gives the template nothing", () => {
    expect(expandKeyTemplate(parseKeyTemplate("{name}"), { ...RUN, name: " \t " })).toBe(
      "run-0f6c-77",
    );
    expect(
      expandKeyTemplate(parseKeyTemplate("{startTime}"), { ...RUN, startTime: undefined }),
    ).toBe("run-0f6c-77");
  });

  it("cuts a key that is too long and keeps it unique with the run id", () => {
    const key = expandKeyTemplate(parseKeyTemplate("{name}"), { ...RUN, name: "n".repeat(600) });
    expect(key).toHaveLength(512);
    expect(key.endsWith("-0f6c-77")).toBe(true);
    expect(disambiguateKey("taken", "0f6c-77", 1)).toBe("taken-0f6c-77");
    expect(disambiguateKey("taken", "0f6c-77", 2)).toBe("taken-0f6c-77-2");
  });

  it("refuses unknown placeholders, unbalanced braces, no placeholder, outer spaces", () => {
    for (const bad of ["x-{id}", "x-{runId", "constant", " {runId}", "a\tb{runId}"]) {
      expect(() => parseKeyTemplate(bad), bad).toThrow(UsageError);
    }
  });
});
