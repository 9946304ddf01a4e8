import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Invalid } from "../../src/manifest/values.js";
import { compileTimeFormat } from "../../src/time/compile-format.js";
import type { DstPolicy } from "../../src/time/zone.js";
import { reader } from "./reader.js";

/** The timestamp, or the message of why not. */
function read(text: string, formats: string | string[], zone?: string, dst?: DstPolicy) {
  const result = reader(formats, zone, dst).read(text);
  return result instanceof Invalid ? `invalid: ${result.message}` : result;
}

describe("time formats", () => {
  it("iso: RFC 3339 as before, and with a timezone also local times with a space", () => {
    expect(read("2024-01-31T12:00:00.5+02:00", "iso")).toBe("2024-01-31T10:00:00.500Z");
    expect(read("2024-01-31 12:00:00", "iso")).toBe(
      'invalid: "2024-01-31 12:00:00" has no time zone (add Z or an offset like +02:00, or set timezone on the source)',
    );
    expect(read("2024-01-31 12:00:00", "iso", "Europe/Berlin")).toBe("2024-01-31T11:00:00Z");
    expect(read("2024-07-31T12:00", "iso", "Europe/Berlin")).toBe("2024-07-31T10:00:00Z");
    expect(read("2024-07-31 12:00:00Z", "iso", "Europe/Berlin")).toBe("2024-07-31T12:00:00Z");
    expect(read("2024-07-31 12:00:00.123456789", "iso", "UTC")).toBe(
      "2024-07-31T12:00:00.123456789Z",
    );
    expect(read("31.07.2024", "iso")).toMatch(/is not a time in the format iso/);
  });

  it("epoch-s, -ms, -us and -ns, to the nanosecond", () => {
    expect(read("1706702400", "epoch-s")).toBe("2024-01-31T12:00:00Z");
    expect(read("1706702400.25", "epoch-s")).toBe("2024-01-31T12:00:00.250Z");
    expect(read("1706702400123", "epoch-ms")).toBe("2024-01-31T12:00:00.123Z");
    expect(read("1706702400123456", "epoch-us")).toBe("2024-01-31T12:00:00.123456Z");
    expect(read("1706702400123456789", "epoch-ns")).toBe("2024-01-31T12:00:00.123456789Z");
    expect(read("-1", "epoch-ns")).toBe("1969-12-31T23:59:59.999999999Z");
    expect(read("1.5", "epoch-ns")).toBe('invalid: "1.5" is more precise than a nanosecond');
    expect(read("1e9", "epoch-s")).toMatch(
      /is not a time in the format epoch-s \(a number of seconds/,
    );
    expect(read("999999999999", "epoch-s")).toBe(
      'invalid: "999999999999" is outside 0001-01-01 .. 9999-12-31',
    );
  });

  it("patterns of Unicode date field symbols", () => {
    expect(read("31.01.2024 09:05", "dd.MM.yyyy HH:mm", "UTC")).toBe("2024-01-31T09:05:00Z");
    expect(read("1/2/2024 9:05:07 PM", "M/d/yyyy h:mm:ss a", "UTC")).toBe("2024-01-02T21:05:07Z");
    expect(read("1/2/2024 12:00:00 am", "M/d/yyyy h:mm:ss a", "UTC")).toBe("2024-01-02T00:00:00Z");
    expect(read("2024-01-31T09:05:07.123456789+01:00", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX")).toBe(
      "2024-01-31T08:05:07.123456789Z",
    );
    expect(read("20240131 090507.5Z", "yyyyMMdd HHmmss.SXXX")).toBe("2024-01-31T09:05:07.500Z");
    expect(read("31.01.2024", "dd.MM.yyyy", "Europe/Berlin")).toBe("2024-01-30T23:00:00Z");
  });

  it("says what is wrong with a date that does not exist", () => {
    expect(read("31.02.2024 09:00", "dd.MM.yyyy HH:mm", "Europe/Berlin")).toBe(
      'invalid: "31.02.2024 09:00" has no day 31 in that month',
    );
    expect(read("29.02.2023 09:00", "dd.MM.yyyy HH:mm", "UTC")).toMatch(/has no day 29/);
    expect(read("01.13.2024 09:00", "dd.MM.yyyy HH:mm", "UTC")).toMatch(/has no month 13/);
    expect(read("01.01.2024 24:00", "dd.MM.yyyy HH:mm", "UTC")).toMatch(/time of day out of range/);
    expect(read("1/2/2024 13:00:00 PM", "M/d/yyyy h:mm:ss a", "UTC")).toMatch(
      /has no hour 13 on a 12-hour clock/,
    );
  });

  it("tries a list of formats in order; the message names them all", () => {
    const formats = ["dd.MM.yyyy HH:mm", "iso"];
    expect(read("31.01.2024 09:05", formats, "UTC")).toBe("2024-01-31T09:05:00Z");
    expect(read("2024-01-31T09:05:00Z", formats, "UTC")).toBe("2024-01-31T09:05:00Z");
    expect(read("yesterday", formats, "UTC")).toBe(
      'invalid: "yesterday" is not a time in any of the formats "dd.MM.yyyy HH:mm", iso (e.g. 2024-01-31T12:00:00Z)',
    );
  });

  it("matches quoted literals code unit by code unit, beyond the Basic Multilingual Plane too", () => {
    const format = "yyyy-MM-dd'🕐'HH:mm' Uhr'";
    expect(read("2024-01-31🕐12:05 Uhr", format, "UTC")).toBe("2024-01-31T12:05:00Z");
    // 🕑 shares its first UTF-16 code unit with 🕐.
    expect(read("2024-01-31🕑12:05 Uhr", format, "UTC")).toMatch(/is not a time in the format/);
    expect(read("2024-01-31🕐12:05 Uh", format, "UTC")).toMatch(/is not a time in the format/);
  });

  it("refuses patterns it cannot read, saying why", () => {
    expect(compileTimeFormat("dd.MM.yyy")).toMatch(/unknown symbol "yyy"/);
    expect(compileTimeFormat("HH:mm")).toBe(
      "has no year (expected yyyy (or yy), MM and dd at least)",
    );
    expect(compileTimeFormat("dd.MM.yyyy hh:mm")).toMatch(/needs both hh/);
    expect(compileTimeFormat("dd.MM.yyyy 'at")).toMatch(/unclosed quote/);
    expect(compileTimeFormat("dd.MM.yyyy SSSSSSSSSS")).toMatch(/unknown symbol/);
  });
});

describe("time zones and daylight saving time (Europe/Berlin)", () => {
  const format = "dd.MM.yyyy HH:mm";

  it("places summer and winter times by the zone's rules", () => {
    expect(read("15.01.2024 12:00", format, "Europe/Berlin")).toBe("2024-01-15T11:00:00Z");
    expect(read("15.07.2024 12:00", format, "Europe/Berlin")).toBe("2024-07-15T10:00:00Z");
    expect(read("31.03.2024 01:59", format, "Europe/Berlin")).toBe("2024-03-31T00:59:00Z");
    expect(read("31.03.2024 03:00", format, "Europe/Berlin")).toBe("2024-03-31T01:00:00Z");
    expect(read("15.07.2024 12:00", format, "America/New_York")).toBe("2024-07-15T16:00:00Z");
  });

  it("a time in the spring gap does not exist: an error unless dst says which", () => {
    expect(read("31.03.2024 02:30", format, "Europe/Berlin")).toBe(
      'invalid: "31.03.2024 02:30" does not exist in Europe/Berlin: the clocks went forward from +01:00 to +02:00 (set dst: earlier or dst: later on the source)',
    );
    expect(read("31.03.2024 02:30", format, "Europe/Berlin", "earlier")).toBe(
      "2024-03-31T00:30:00Z",
    );
    expect(read("31.03.2024 02:30", format, "Europe/Berlin", "later")).toBe("2024-03-31T01:30:00Z");
  });

  it("a time in the repeated autumn hour is ambiguous: an error unless dst says which", () => {
    expect(read("27.10.2024 02:30", format, "Europe/Berlin")).toBe(
      'invalid: "27.10.2024 02:30" is ambiguous in Europe/Berlin: that hour happened twice, at +02:00 and then at +01:00 (set dst: earlier or dst: later on the source)',
    );
    expect(read("27.10.2024 02:30", format, "Europe/Berlin", "earlier")).toBe(
      "2024-10-27T00:30:00Z",
    );
    expect(read("27.10.2024 02:30", format, "Europe/Berlin", "later")).toBe("2024-10-27T01:30:00Z");
    expect(read("27.10.2024 03:00", format, "Europe/Berlin")).toBe("2024-10-27T02:00:00Z");
  });

  it("agrees with Temporal for times read in order, as a backfill reads them (one lookup per offset period)", async () => {
    const { Temporal } = await import("temporal-polyfill");
    // Sao Paulo ended DST in 2019; Lord Howe changes by 30 minutes.
    const zones = ["Europe/Berlin", "America/Sao_Paulo", "Australia/Lord_Howe", "UTC"];
    for (const zone of zones) {
      const read = reader("yyyy-MM-dd HH:mm", zone, "later");
      const start = Temporal.PlainDateTime.from("2018-06-01T00:00");
      for (let m = 0; m < 3 * 366 * 24 * 60; m += 97) {
        const local = start.add({ minutes: m });
        const text = local.toString().slice(0, 16).replace("T", " ");
        const expected = local.toZonedDateTime(zone, { disambiguation: "later" }).toInstant();
        expect(read.read(text), `${zone} ${text}`).toBe(expected.toString());
      }
    }
  });

  it("agrees with Temporal for any local time in zones with and without DST", async () => {
    const { Temporal } = await import("temporal-polyfill");
    const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"];
    const policies = ["reject", "earlier", "later"] as const;
    const readers = new Map(
      zones.flatMap((zone) =>
        policies.map((dst) => [`${zone} ${dst}`, reader("yyyy-MM-dd HH:mm", zone, dst)] as const),
      ),
    );
    // Minutes of 2023-2024, weighted towards the hours around each zone's changes.
    const minute = fc.oneof(
      fc.integer({ min: 0, max: 2 * 366 * 24 * 60 }),
      fc
        .constantFrom(...[2023, 2024].flatMap((y) => [`${y}-03`, `${y}-10`, `${y}-11`, `${y}-04`]))
        .chain((month) =>
          fc.integer({ min: 0, max: 31 * 24 * 60 - 1 }).map((m) => {
            const start = Temporal.PlainDateTime.from(`${month}-01T00:00`);
            return (
              start.since(Temporal.PlainDateTime.from("2023-01-01T00:00")).total("minutes") + m
            );
          }),
        ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...policies),
        minute,
        (zone, dst, m) => {
          const local = Temporal.PlainDateTime.from("2023-01-01T00:00").add({ minutes: m });
          const text = local.toString().slice(0, 16).replace("T", " ");
          let expected: string;
          try {
            const disambiguation = dst === "reject" ? "reject" : dst;
            expected = local.toZonedDateTime(zone, { disambiguation }).toInstant().toString();
          } catch {
            expected = "invalid";
          }
          const got = readers.get(`${zone} ${dst}`)!.read(text);
          expect(got instanceof Invalid ? "invalid" : got).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
