import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addSecret,
  holdsSecret,
  REDACTED,
  redact,
  redactDeep,
  redactingWriter,
} from "../../src/core/secrets.js";

const SECRET = "sk_live_Ab12Cd34";
addSecret(SECRET);
addSecret('quo"te_key_99'); // a key whose JSON form differs
addSecret("short"); // shorter than MIN_SECRET_LENGTH: never blanked out of text

/** Writes `chunks` through a redacting writer and returns what reached the target. */
function through(chunks: string[]): string {
  let out = "";
  const writer = redactingWriter({ write: (text: string) => (out += text) });
  for (const chunk of chunks) writer.write(chunk);
  writer.flush();
  return out;
}

describe("redactingWriter", () => {
  it("a key split across writes is redacted", () => {
    expect(through(["token=sk_li", "ve_Ab12", "Cd34 done\n"])).toBe(`token=${REDACTED} done\n`);
  });

  it("the start of a key that never comes whole is written at flush, unchanged", () => {
    expect(through(["ends with sk_live_"])).toBe("ends with sk_live_");
  });

  it("JSON-escaped keys too", () => {
    expect(through([JSON.stringify({ k: 'quo"te_key_99' })])).toBe(`{"k":"${REDACTED}"}`);
  });

  it("any text, cut anywhere into writes: no key gets through, and nothing else changes", () => {
    const piece = fc.constantFrom(SECRET, "sk_", "live", "_Ab12", "Cd34", "x", "\n", "s");
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, cuts) => {
          const text = parts.join("");
          const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...at, text.length]
            .slice(1)
            .map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end));
          const out = through(chunks);
          expect(out).toBe(redact(text));
          expect(out.includes(SECRET)).toBe(false);
        },
      ),
    );
  });
});

describe("redact, redactDeep, holdsSecret", () => {
  it("a short secret is never blanked out", () => {
    expect(redact("--short and sweet")).toBe("--short and sweet");
    expect(holdsSecret("short")).toBe(false);
  });

  it("redactDeep copies only what holds a key, keys of objects included", () => {
    const clean = { a: ["x"], b: { c: 1 } };
    expect(redactDeep(clean)).toBe(clean);
    expect(redactDeep({ [SECRET]: [`a ${SECRET}`], n: 2 })).toEqual({
      [REDACTED]: [`a ${REDACTED}`],
      n: 2,
    });
  });
});
