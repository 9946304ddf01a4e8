import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createChunkDecoder,
  decodeWindows1252,
  Windows1252Decoder,
} from "../../src/manifest/chunk-decoder.js";

/** Node's ICU decoder; only its streaming path is WHATWG's windows-1252 (nodejs/node#60888). */
function platformDecode(bytes: Uint8Array): string {
  const decoder = new TextDecoder("windows-1252", { fatal: true });
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe("the Windows-1252 decoder", () => {
  it("decodes every byte 0x00–0xFF as the platform's ICU decoder does", () => {
    for (const byte of ALL_BYTES) {
      const one = Uint8Array.of(byte);
      expect(decodeWindows1252(one), `byte 0x${byte.toString(16)}`).toBe(platformDecode(one));
    }
    expect(decodeWindows1252(ALL_BYTES)).toBe(platformDecode(ALL_BYTES));
  });

  it("reads 0x80–0x9F as Windows-1252 characters, not as Latin-1 control characters", () => {
    const c1 = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    // The five bytes the WHATWG index keeps as C1 controls: 0x81, 0x8D, 0x8F, 0x90, 0x9D.
    expect(decodeWindows1252(c1)).toBe("€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ");
    expect(decodeWindows1252(Buffer.from("Müller ", "latin1"))).toBe("Müller ");
  });

  it("is what latin1, iso-8859-1, cp1252 and ascii name, and not other encodings", () => {
    for (const label of ["windows-1252", "latin1", "ISO-8859-1", "cp1252", "ascii"]) {
      expect(createChunkDecoder(label), label).toBeInstanceOf(Windows1252Decoder);
    }
    for (const label of ["utf-8", "utf-16le", "iso-8859-15", "windows-1250"]) {
      expect(createChunkDecoder(label), label).not.toBeInstanceOf(Windows1252Decoder);
    }
    expect(createChunkDecoder("latin1").encoding).toBe("windows-1252");
  });

  it("decodes a view into a larger buffer by its own bytes only", () => {
    const buffer = Buffer.from([0x41, 0x80, 0x42, 0x93, 0x43]);
    expect(decodeWindows1252(buffer.subarray(1, 4))).toBe("€B“");
  });

  it("gives what TextDecoder gives for any bytes, however they are cut into chunks", () => {
    const bytes = fc.uint8Array({ maxLength: 600 });
    const cuts = fc.array(fc.nat(), { maxLength: 8 });
    fc.assert(
      fc.property(bytes, cuts, (data, at) => {
        const bounds = [...new Set(at.map((n) => n % (data.length + 1)))].sort((a, b) => a - b);
        const decoder = createChunkDecoder("windows-1252");
        let text = "";
        let start = 0;
        for (const end of [...bounds, data.length]) {
          text += decoder.decode(data.subarray(start, end), { stream: true });
          start = end;
        }
        text += decoder.decode();
        expect(text).toBe(platformDecode(data));
      }),
      { numRuns: 500 },
    );
  });

  it("gives what TextDecoder gives for text mostly of 0x80–0x9F and Latin-1 letters", () => {
    const byte = fc.oneof(
      fc.integer({ min: 0x80, max: 0x9f }),
      fc.integer({ min: 0x20, max: 0xff }),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), (list) => {
        const data = Uint8Array.from(list);
        expect(decodeWindows1252(data)).toBe(platformDecode(data));
      }),
      { numRuns: 300 },
    );
  });
});
