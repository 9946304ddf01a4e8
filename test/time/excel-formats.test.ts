import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Invalid } from "../../src/manifest/values.js";
import { compileTimeFormat } from "../../src/time/compile-format.js";
import { reader } from "./reader.js";

function read(text: string, format: string | string[], zone?: string, serial?: number) {
  const result = reader(format, zone).read(text, serial);
  return result instanceof Invalid ? `invalid: ${result.message}` : result;
}

describe("Excel serial date-times: timeFormat excel and excel-1904", () => {
  it("reads a serial as Excel writes it, in the field's zone, to the millisecond", () => {
    // 2024-03-11 14:30 as Excel stores it (a double, not exactly 14:30).
    expect(read("45362.604166666664", "excel", "UTC")).toBe("2024-03-11T14:30:00Z");
    expect(read("45362.604166666664", "excel", "America/New_York")).toBe("2024-03-11T18:30:00Z");
    expect(read("45362", "excel", "Europe/Berlin")).toBe("2024-03-10T23:00:00Z");
    expect(read("45362.5000057870", "excel", "UTC")).toBe("2024-03-11T12:00:00.500Z");
    // A JSON number is read from the double itself.
    expect(read("45362.604166667", "excel", "UTC", 45362.604166666664)).toBe(
      "2024-03-11T14:30:00Z",
    );
    // The 1904 system (old Mac workbooks): the same date is 1,462 days earlier in serials.
    expect(read("43900.604166666664", "excel-1904", "UTC")).toBe("2024-03-11T14:30:00Z");
    expect(read("0", "excel-1904", "UTC")).toBe("1904-01-01T00:00:00Z");
    expect(read("2958465.999988426", "excel", "UTC")).toBe("9999-12-31T23:59:59Z");
  });

  it("follows Excel's 1900 leap-year bug below serial 61 and refuses the day that never was", () => {
    expect(read("61", "excel", "UTC")).toBe("1900-03-01T00:00:00Z");
    expect(read("59", "excel", "UTC")).toBe("1900-02-28T00:00:00Z");
    expect(read("1", "excel", "UTC")).toBe("1900-01-01T00:00:00Z");
    expect(read("60.5", "excel", "UTC")).toBe(
      `invalid: "60.5" is 1900-02-29 in Excel's 1900 date system, a day that did not exist (Excel counts 1900 as a leap year)`,
    );
    expect(read("0.5", "excel", "UTC")).toBe(
      `invalid: "0.5" is a time of day without a date in Excel's 1900 date system (serial 1 is 1900-01-01)`,
    );
    // Rounding to the millisecond comes first: this is 1900-03-01, not the 29th.
    expect(read("60.9999999999", "excel", "UTC")).toBe("1900-03-01T00:00:00Z");
  });

  it("words what is not a serial, and a serial in a skipped hour as any local time", () => {
    expect(read("11.03.2024", "excel", "UTC")).toMatch(
      /"11.03.2024" is not a time in the format excel \(an Excel serial date-time, e.g. 45362.604166666664\)/,
    );
    expect(read("-1", "excel", "UTC")).toMatch(/is not a time in the format excel/);
    expect(read("4.5e4", "excel", "UTC")).toMatch(/is not a time in the format excel/);
    expect(read("99999999", "excel", "UTC")).toBe(
      'invalid: "99999999" is outside 0001-01-01 .. 9999-12-31',
    );
    // 2024-03-10 02:30 did not happen in Los Angeles.
    expect(read("45361.104166666664", "excel", "America/Los_Angeles")).toMatch(
      /does not exist in America\/Los_Angeles: the clocks went forward from -08:00 to -07:00/,
    );
    expect(read("45361.104166666664", ["iso", "excel"], "America/Los_Angeles")).toMatch(
      /does not exist/,
    );
  });

  it("property: a serial is the local time Temporal counts from 1899-12-30 (1904-01-01), to the ms", () => {
    const zones = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Australia/Lord_Howe"];
    const readers = new Map(
      zones.flatMap((zone) =>
        (["excel", "excel-1904"] as const).map((f) => [`${f} ${zone}`, reader(f, zone, "later")]),
      ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("excel", "excel-1904"),
        fc.constantFrom(...zones),
        fc.integer({ min: 61, max: 2_900_000 }), // up to 9839
        fc.integer({ min: 0, max: 86_400_000 - 1 }),
        (system, zone, day, ms) => {
          // The serial as Excel would store that millisecond: the nearest double.
          const serial = day + ms / 86_400_000;
          const base = system === "excel" ? "1899-12-30" : "1904-01-01";
          const local = Temporal.PlainDate.from(base)
            .toPlainDateTime()
            .add({ days: day, milliseconds: ms });
          const expected = local.toZonedDateTime(zone, {
            disambiguation: "later",
          }).epochMilliseconds;
          const got = readers.get(`${system} ${zone}`)!.read(String(serial));
          expect(
            got instanceof Invalid ? got.message : Temporal.Instant.from(got).epochMilliseconds,
          ).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("patterns: two-digit years and dotted a.m./p.m.", () => {
  it("yy follows Excel: 00–29 are 2000–2029, 30–99 are 1930–1999", () => {
    expect(read("3/11/24 2:30 PM", "M/d/yy h:mm a", "UTC")).toBe("2024-03-11T14:30:00Z");
    expect(read("3/11/29 2:30 PM", "M/d/yy h:mm a", "UTC")).toBe("2029-03-11T14:30:00Z");
    expect(read("3/11/30 2:30 PM", "M/d/yy h:mm a", "UTC")).toBe("1930-03-11T14:30:00Z");
    expect(read("11.03.00", "dd.MM.yy", "UTC")).toBe("2000-03-11T00:00:00Z");
    expect(read("3/11/2024", "M/d/yy", "UTC")).toMatch(/is not a time in the format "M\/d\/yy"/);
    expect(compileTimeFormat("yy yyyy MM dd")).toBe("names the year twice");
  });

  it("a reads AM, pm, a.m. and P.M.", () => {
    const f = "d/M/yyyy h:mm a";
    expect(read("11/3/2024 2:30 p.m.", f, "UTC")).toBe("2024-03-11T14:30:00Z");
    expect(read("11/3/2024 2:30 P.M.", f, "UTC")).toBe("2024-03-11T14:30:00Z");
    expect(read("11/3/2024 12:05 a.m.", f, "UTC")).toBe("2024-03-11T00:05:00Z");
    expect(read("11/3/2024 2:30 am", f, "UTC")).toBe("2024-03-11T02:30:00Z");
    expect(read("11/3/2024 2:30 p.m", f, "UTC")).toMatch(/is not a time in the format/);
    expect(read("11/3/2024 2:30 pm.", f, "UTC")).toMatch(/is not a time in the format/);
  });
});
