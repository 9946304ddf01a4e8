import { evaluate } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { celEquals, celIn, celString } from "../../src/sift/cel.js";

const HOSTILE = [
  "x' || true || 'y",
  'x" || true || "y',
  "\\",
  "\\'",
  "it's",
  'say "hi"',
  "a\nb\r\tc",
  "\u0000\u0001\u001f\u007f\u0085",
  "\u2028\u2029",
  "\\u0041",
  "\\x41",
  "\\101",
  "'''",
  '"""',
  "é✓😀",
  "?`",
  "",
];

/** True when the CEL expression `x == <literal>` holds for `x`. */
function matches(literal: string, x: string): unknown {
  return evaluate(`x == ${literal}`, { x });
}

describe("celString", () => {
  it.each(HOSTILE)("means exactly %j", (s) => {
    expect(matches(celString(s), s)).toBe(true);
    expect(matches(celString(s), s + "a")).toBe(false);
  });

  it("keeps a hostile value from widening a filter", () => {
    const filter = celEquals("client_key", "x' || true || 'y");
    expect(evaluate(filter, { client_key: "other" })).toBe(false);
    expect(evaluate(filter, { client_key: "x' || true || 'y" })).toBe(true);
  });

  it("means exactly any string of code points (property)", () => {
    const anyString = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.string({ unit: "binary-ascii", maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom("\\", "'", '"', "u", "x", "0", "|", " ", "\n"),
        maxLength: 20,
      }),
    );
    fc.assert(
      fc.property(anyString, (s) => {
        const literal = celString(s);
        expect(matches(literal, s)).toBe(true);
        expect(matches(literal, s + "a")).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("writes control characters as \\u escapes, other text as is", () => {
    expect(celString("a\u0001é")).toBe("'a\\u0001é'");
    expect(celString("it's")).toBe("'it\\'s'");
  });

  it("refuses a lone surrogate, which no CEL string can mean", () => {
    expect(() => celString("a\ud800b")).toThrow(TypeError);
    expect(celString("😀")).toBe("'😀'");
  });
});

describe("celIn", () => {
  it("matches exactly the listed values", () => {
    const filter = celIn("client_key", ["a", "x' || true || 'y", 'q"\\']);
    expect(filter.startsWith("client_key in ['a', ")).toBe(true);
    for (const v of ["a", "x' || true || 'y", 'q"\\']) {
      expect(evaluate(filter, { client_key: v })).toBe(true);
    }
    for (const v of ["b", "x", "y", "", "q"]) {
      expect(evaluate(filter, { client_key: v })).toBe(false);
    }
  });

  it("is a list of one value in a property", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary", maxLength: 10 }), { minLength: 1, maxLength: 5 }),
        fc.string({ unit: "binary", maxLength: 10 }),
        (values, other) => {
          const filter = celIn("k", values);
          expect(evaluate(filter, { k: values[0] })).toBe(true);
          expect(evaluate(filter, { k: other })).toBe(values.includes(other));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses a field that is not an identifier", () => {
    expect(() => celIn("a || true", ["x"])).toThrow(TypeError);
    expect(() => celEquals("a'", "x")).toThrow(TypeError);
  });
});
