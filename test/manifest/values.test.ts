import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Invalid,
  readAssets,
  readBooleanText,
  readClientKey,
  readNumberText,
  readTags,
  splitList,
} from "../../src/manifest/values.js";

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

describe("value readers", () => {
  it("read CSV numbers in decimal notation only", () => {
    expect(readNumberText("1.0")).toBe(1);
    expect(readNumberText(" -3.5e2 ")).toBe(-350);
    expect(readNumberText(".5")).toBe(0.5);
    for (const bad of [
      "abc",
      "0x1F",
      "0b11",
      "0o7",
      "Infinity",
      "NaN",
      "1e400",
      "1,5",
      "1_000",
      "+",
      "1e",
    ]) {
      expect(readNumberText(bad)).toEqual(
        new Invalid(`${JSON.stringify(bad)} is not a number (expected e.g. 1200 or -3.5)`),
      );
    }
  });

  it("accept exactly the decimal numbers a strict grammar accepts", () => {
    const chars = fc.constantFrom(..."0123456789+-.eExXbBo_ I".split(""));
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 8 }).map((c) => c.join("")),
        (text) => {
          const read = readNumberText(text);
          const accepted = DECIMAL.test(text.trim()) && Number.isFinite(Number(text.trim()));
          expect(read instanceof Invalid).toBe(!accepted);
          if (accepted) expect(read).toBe(Number(text.trim()));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("read CSV booleans in any case", () => {
    for (const yes of ["true", "TRUE", "Yes", "1", " yes "]) {
      expect(readBooleanText(yes)).toBe(true);
    }
    for (const no of ["false", "False", "NO", "0"]) expect(readBooleanText(no)).toBe(false);
    expect(readBooleanText("y")).toBeInstanceOf(Invalid);
  });

  it("split lists on `;`, trimming items and dropping empty ones", () => {
    expect(splitList("a; b ;;c;")).toEqual(["a", "b", "c"]);
    expect(splitList(";")).toEqual([]);
    expect(splitList("only")).toEqual(["only"]);
  });

  it("keep assets in order without repeats, and tags as a sorted set", () => {
    expect(readAssets(["rig-7", "stand-a", "rig-7"])).toEqual(["rig-7", "stand-a"]);
    expect(readTags(["b", "a", "b"])).toEqual(["a", "b"]);
    expect(readTags(["b", "b"])).toEqual(["b"]);
    const many = Array.from({ length: 40 }, (_, i) => `t${i % 25}`);
    expect(readTags(many)).toEqual([...new Set(many)].sort());
    expect(readAssets(many)).toEqual([...new Set(many)]);
  });

  it("refuse control characters in clientKeys and asset names", () => {
    expect(readClientKey("a\tb")).toBeInstanceOf(Invalid);
    expect(readClientKey("a\u007fb")).toBeInstanceOf(Invalid);
    expect(readClientKey("ünï-😀")).toBe("ünï-😀");
    expect(readAssets(["ok", "bad\n"])).toEqual(
      new Invalid('"bad\\n" contains a control character (expected printable text)'),
    );
  });
});
