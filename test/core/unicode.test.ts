import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { didYouMean, textForms, toNfc } from "../../src/core/unicode.js";
import { oneSource, projectDir, readRuns } from "../sources/support.js";

describe("NFC with an ASCII fast path", () => {
  it("equals String.prototype.normalize('NFC') for any text, and returns ASCII text as it is", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(toNfc(text)).toBe(text.normalize("NFC"));
        expect(toNfc(text.normalize("NFD"))).toBe(text.normalize("NFC"));
      }),
    );
    // The fast path's premise: every code point below U+0300 is NFC by itself, and composes
    // with nothing before it.
    for (let c = 0; c < 0x300; c++) {
      const text = String.fromCodePoint(c);
      expect(text.normalize("NFC")).toBe(text);
      expect(`a${text}`.normalize("NFC")).toBe(`a${text}`);
    }
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0x2ff }).map((c) => String.fromCodePoint(c)) }),
        (text) => {
          expect(toNfc(text)).toBe(text.normalize("NFC"));
        },
      ),
    );
    expect(textForms("stand-a")).toEqual(["stand-a"]);
    expect(textForms("He\u0301lios")).toEqual(["He\u0301lios", "H\u00e9lios"]);
  });
});

describe("a suggestion that looks like what was typed names the code points", () => {
  it("μ (U+03BC) against µ (U+00B5), and NFD against NFC", () => {
    expect(didYouMean("\u03bcs", "\u00b5s")).toBe(
      '"\u03bcs" (U+03BC) — did you mean "\u00b5s" (U+00B5)?',
    );
    expect(didYouMean("He\u0301lios", "H\u00e9lios")).toBe(
      '"He\u0301lios" (U+0065 U+0301) — did you mean "H\u00e9lios" (U+00E9)?',
    );
    expect(didYouMean("Strat", "Start")).toBe('did you mean "Start"?');
  });

  it("in a mapping's missing column; a header in NFD names the config's NFC column", async () => {
    const config = oneSource(
      "export.csv",
      `
fields:
  clientKey: ID
  metadata:
    duration: { column: "Dauer (\u00b5s)", type: number }
    operator: Op\u00e9rateur
    verdict: { column: Result, map: { R\u00e9ussi: pass, \u00c9chec: fail } }
`,
    );
    const greek = projectDir({
      "export.csv": "ID,Dauer (\u03bcs),Op\u00e9rateur,Result\n1,5,Ana,R\u00e9ussi\n",
      "sift-run-sync.yaml": config,
    });
    expect((await readRuns(greek)).problems).toEqual([
      'export.csv:1 Dauer (\u00b5s) (metadata.duration, via sift-run-sync.yaml sources[0]): is not a column of this file ("Dauer (\u00b5s)" (U+00B5) — did you mean "Dauer (\u03bcs)" (U+03BC)?)',
      'export.csv:1 Dauer (\u03bcs): is not mapped by sift-run-sync.yaml sources[0], which names "Dauer (\u00b5s)" instead: a typo? (or list it in ignoreColumns)',
    ]);
    const mac = projectDir({
      "export.csv": `ID,Dauer (\u00b5s),${"Opérateur".normalize("NFD")},Result\n1,5,${"Zoë".normalize("NFD")},${"Réussi".normalize("NFD")}\n`,
      "sift-run-sync.yaml": config,
    });
    expect(await readRuns(mac)).toEqual({
      problems: [],
      specs: [
        {
          clientKey: "1",
          metadata: {
            duration: { value: 5, type: "number" },
            operator: { value: "Zo\u00eb" },
            verdict: { value: "pass" },
          },
        },
      ],
    });
  });

  it("JSON record keys a Mac wrote in NFD are the config's NFC keys, nested ones included", async () => {
    const record = {
      id: "r-1",
      ["r\u00e9sultat".normalize("NFD")]: { ["pass\u00e9".normalize("NFD")]: true },
    };
    const dir = projectDir({
      "lims.json": JSON.stringify([record], null, 2),
      "sift-run-sync.yaml": oneSource(
        "lims.json",
        "fields: { clientKey: id, metadata: { passed: r\u00e9sultat.pass\u00e9 } }",
      ),
    });
    expect(await readRuns(dir)).toEqual({
      problems: [],
      specs: [{ clientKey: "r-1", metadata: { passed: { value: true } } }],
    });
  });
});
