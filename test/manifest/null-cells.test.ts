import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NullCells } from "../../src/manifest/null-cells.js";

describe("null cells", () => {
  it("holds exactly the trimmed tokens, whatever their length or first character", () => {
    const text = fc.oneof(
      fc.constantFrom("", "NULL", "N/A", "\\N", "-", "null", "NaN", "x".repeat(40)),
      fc.string({ maxLength: 35 }),
    );
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 5 }),
        fc.array(text, { maxLength: 20 }),
        (tokens, cells) => {
          const nulls = new NullCells(tokens);
          const expected = new Set(tokens.map((t) => t.trim()));
          for (const cell of [...cells, ...tokens.map((t) => t.trim())]) {
            expect(nulls.has(cell), JSON.stringify(cell)).toBe(expected.has(cell));
          }
          expect(nulls.size).toBe(expected.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("knows nothing when none are given", () => {
    expect(NullCells.NONE.has("")).toBe(false);
    expect(NullCells.NONE.has("NULL")).toBe(false);
    expect(new NullCells([" N/A "]).has("N/A")).toBe(true);
  });
});
