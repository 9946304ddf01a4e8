import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CLIENT_KEY_MAX_LENGTH,
  CLIENT_KEY_PATTERN,
  describeClientKeyProblem,
  explainClientKey,
  isSiftClientKey,
  sanitizeClientKey,
} from "../../src/core/client-key.js";

describe("Sift's clientKey rule", () => {
  it("accepts 2 to 128 characters of [a-zA-Z0-9_~.-], alphanumeric at both ends", () => {
    for (const key of ["ab", "tv-001", "a.b~c_d-e", "A1", "x".repeat(128), "0-0"]) {
      expect(isSiftClientKey(key)).toBe(true);
      expect(explainClientKey(key)).toBeUndefined();
    }
  });

  it("is tested as Sift's expression says, character by character", () => {
    const near = fc.constantFrom(..."aZ09_~.-:/ üé\n\u{1F600}".split(""));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: near, maxLength: 130 }), fc.string({ maxLength: 140 })),
        (key) => {
          expect(isSiftClientKey(key)).toBe(CLIENT_KEY_PATTERN.test(key));
        },
      ),
      { numRuns: 2000 },
    );
    for (const key of ["a".repeat(127), "a".repeat(128), "a".repeat(129), "a-", "-a", "a\nb"]) {
      expect(isSiftClientKey(key)).toBe(CLIENT_KEY_PATTERN.test(key));
    }
  });

  it("says what breaks it", () => {
    expect(explainClientKey("a")).toBe("is 1 character long");
    expect(explainClientKey("")).toBe("is 0 characters long");
    expect(explainClientKey("x".repeat(129))).toBe("is 129 characters long");
    expect(explainClientKey("2024-01-01T00:00:00Z")).toBe('holds ":"');
    expect(explainClientKey("a b:c")).toBe('holds " " and ":"');
    expect(explainClientKey("a b:c/d\\e")).toBe('holds " ", ":", "/" and 1 more');
    expect(explainClientKey("-ab")).toBe('starts with "-"');
    expect(explainClientKey("ab_")).toBe('ends with "_"');
    expect(explainClientKey("ünï")).toBe('holds "ü" and "ï"');
    expect(describeClientKeyProblem("a:b")).toBe(
      `"a:b" holds ":" (Sift's rule for a new run's clientKey: 2 to 128 characters of a-z A-Z 0-9 _ ~ . -, starting and ending with a letter or digit)`,
    );
    expect(describeClientKeyProblem("ab")).toBeUndefined();
  });

  it("sanitizes runs of other characters to one '-' and drops outer non-alphanumerics", () => {
    expect(sanitizeClientKey("Hot fire #1 ")).toBe("Hot-fire-1");
    expect(sanitizeClientKey("2024-01-01T00:00:00Z")).toBe("2024-01-01T00-00-00Z");
    expect(sanitizeClientKey("__a  b__")).toBe("a-b");
    expect(sanitizeClientKey("  😀 x 😀 ")).toBe("x");
    expect(sanitizeClientKey("ok-1")).toBe("ok-1");
    expect(sanitizeClientKey("!!!")).toBe("");
  });

  it("a sanitized key is valid unless too short or too long; sanitizing twice changes nothing", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        const key = sanitizeClientKey(text);
        expect(sanitizeClientKey(key)).toBe(key);
        const fits = key.length >= 2 && key.length <= CLIENT_KEY_MAX_LENGTH;
        expect(isSiftClientKey(key)).toBe(fits);
        if (isSiftClientKey(text)) expect(key).toBe(text);
      }),
    );
  });
});
