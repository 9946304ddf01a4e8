import { Invalid, quote } from "../core/invalid.js";
import { daysFromCivil, daysInMonth, SECONDS_PER_DAY } from "./calendar.js";
import { describeFormat, EXCEL_SYSTEMS, type TimeFormat } from "./compile-format.js";
import { readTimestampFast } from "./fast-timestamp.js";
import { formatInstant } from "./instant.js";
import { matchPattern, Parsed, readOffset } from "./match-pattern.js";
import { NO_MATCH, readEpoch } from "./read-epoch.js";
import type { Timestamp } from "./timestamp.js";
import { type DstPolicy, ZoneProblem, type ZoneResolver } from "./zone.js";

/**
 * Reads the times of one field of one source: tries the formats in order; the first that
 * fits the text decides. Texts without an offset are local times in the source's zone.
 */
export class TimeReader {
  private readonly parsed = new Parsed();
  /**
   * Of the last time read: the offset it was read with when a zone placed it or its text
   * held one a pattern read (undefined for RFC 3339 and epoch texts, which say it themselves),
   * and the `dst` rule that chose it, when the local time was skipped or repeated.
   */
  lastOffset: number | undefined = undefined;
  /**
   * NOTE: a boolean, the rule itself is the zone's: a field that held undefined for the first
   * 100,000 rows and then a string would make V8 drop the optimized code of every function
   * that reads it, at the first row a DST change decided (bench/manifest.mjs --mapped).
   */
  lastDecided = false;

  constructor(
    readonly formats: readonly TimeFormat[],
    private readonly zone: ZoneResolver | undefined,
  ) {}

  /**
   * The time `text` stands for. `serial` is the value itself when a JSON/YAML record held a
   * number: an Excel serial is read from the double, not from a rounded text of it.
   */
  read(text: string, serial?: number): Timestamp | Invalid {
    this.lastOffset = undefined;
    this.lastDecided = false;
    let firstProblem: Invalid | undefined;
    const formats = this.formats;
    for (let i = 0; i < formats.length; i++) {
      const result = this.readAs(formats[i]!, text, serial);
      if (typeof result === "string") return result;
      if (result !== NO_MATCH) firstProblem ??= result;
    }
    if (firstProblem !== undefined) return firstProblem;
    if (this.formats.length === 1) {
      return new Invalid(
        `${quote(text)} is not a time in the format ${describeFormat(this.formats[0]!)}`,
      );
    }
    const names = this.formats.map(describeFormat).join(", ");
    return new Invalid(`${quote(text)} is not a time in any of the formats ${names}`);
  }

  private readAs(
    format: TimeFormat,
    text: string,
    serial: number | undefined,
  ): Timestamp | Invalid | typeof NO_MATCH {
    switch (format.kind) {
      case "iso":
        return this.readIso(text);
      case "epoch":
        return readEpoch(text, format.fractionDigits);
      case "excel": {
        const value = serial ?? (SERIAL.test(text) ? Number(text) : -1);
        return value >= 0 ? this.readExcel(text, value, format.epochDay) : NO_MATCH;
      }
      case "pattern": {
        const parsed = this.parsed;
        parsed.reset();
        if (!matchPattern(format.steps, text, parsed)) return NO_MATCH;
        return this.toTimestamp(text, parsed);
      }
      default:
        return format satisfies never;
    }
  }

  private readIso(text: string): Timestamp | Invalid | typeof NO_MATCH {
    const fast = readTimestampFast(text);
    if (fast !== undefined) return fast;
    const m = ISO.exec(text);
    if (m === null) return NO_MATCH;
    const parsed = this.parsed;
    parsed.reset();
    parsed.year = Number(m[1]);
    parsed.month = Number(m[2]);
    parsed.day = Number(m[3]);
    parsed.hour = Number(m[4]);
    parsed.minute = Number(m[5]);
    parsed.second = m[6] === undefined ? 0 : Number(m[6]);
    parsed.fraction = m[7] ?? "";
    const offset = m[8];
    if (offset !== undefined) {
      const seconds = readOffset(offset);
      if (seconds === undefined) return new Invalid(`${quote(text)} has an offset out of range`);
      parsed.offset = seconds;
    } else if (this.zone === undefined) {
      return new Invalid(
        `${quote(text)} has no time zone (add Z or an offset like +02:00, or set timezone on the source)`,
      );
    }
    return this.toTimestamp(text, parsed);
  }

  /**
   * An Excel serial date-time: days since the system's day 0 (1899-12-30, or 1904-01-01), the
   * fraction the time of day, a local time in the field's zone; rounded to the millisecond,
   * as Excel itself shows no finer (a double holds a 2024 serial to about 10 µs).
   *
   * The 1900 system counts 1900 as a leap year (Lotus 1-2-3's bug, kept by Excel): serial 60
   * is 1900-02-29, a day that never was, and serials 1–59 (1900-01-01 .. 1900-02-28) are one
   * day later than a count from 1899-12-30 says. Those are followed; 60 and serials below 1
   * (Excel's "1900-01-00", a time of day with no date) are errors, as no instant is meant.
   */
  private readExcel(text: string, serial: number, epochDay: number): Timestamp | Invalid {
    const ms = Math.round(serial * MS_PER_DAY);
    let day = Math.floor(ms / MS_PER_DAY);
    const msOfDay = ms - day * MS_PER_DAY;
    if (epochDay === EXCEL_SYSTEMS.excel && day <= 60) {
      if (day === 60) {
        return new Invalid(
          `${quote(text)} is 1900-02-29 in Excel's 1900 date system, a day that did not exist (Excel counts 1900 as a leap year)`,
        );
      }
      if (day < 1) {
        return new Invalid(
          `${quote(text)} is a time of day without a date in Excel's 1900 date system (serial 1 is 1900-01-01)`,
        );
      }
      day += 1;
    }
    if (day > MAX_SERIAL_DAYS)
      return new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`);
    const local = (epochDay + day) * SECONDS_PER_DAY + Math.floor(msOfDay / 1000);
    const placed = this.zone?.localToEpochSeconds(local);
    if (placed === undefined) {
      return new Invalid(`${quote(text)} has no time zone (set timezone on the source)`);
    }
    if (placed instanceof ZoneProblem) return new Invalid(`${quote(text)} ${placed.message}`);
    this.notePlacement(this.zone!);
    return (
      formatInstant(placed, String(msOfDay % 1000).padStart(3, "0")) ??
      new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`)
    );
  }

  private notePlacement(zone: ZoneResolver): void {
    this.lastOffset = zone.lastOffset;
    this.lastDecided = zone.lastDecided;
  }

  /** The `dst` rule that chose the last time's offset, if one did. */
  get lastDecidedBy(): DstPolicy | undefined {
    return this.lastDecided ? this.zone!.dst : undefined;
  }

  /** Checks the fields and places the local time: by its own offset, else in the zone. */
  private toTimestamp(text: string, p: Parsed): Timestamp | Invalid {
    if (p.month < 1 || p.month > 12) return new Invalid(`${quote(text)} has no month ${p.month}`);
    if (p.day < 1 || p.day > daysInMonth(p.year, p.month)) {
      return new Invalid(`${quote(text)} has no day ${p.day} in that month`);
    }
    if (p.pm !== undefined) {
      if (p.hour12 < 1 || p.hour12 > 12) {
        return new Invalid(`${quote(text)} has no hour ${p.hour12} on a 12-hour clock`);
      }
      p.hour = (p.hour12 % 12) + (p.pm ? 12 : 0);
    }
    if (p.hour > 23 || p.minute > 59 || p.second > 59) {
      return new Invalid(`${quote(text)} has a time of day out of range`);
    }
    let seconds: number;
    if (p.offset !== undefined) {
      const wall =
        daysFromCivil(p.year, p.month, p.day) * SECONDS_PER_DAY +
        p.hour * 3600 +
        p.minute * 60 +
        p.second;
      seconds = wall - p.offset;
      this.lastOffset = p.offset;
    } else if (this.zone !== undefined) {
      const placed = this.zone.toEpochSeconds(p);
      if (placed instanceof ZoneProblem) return new Invalid(`${quote(text)} ${placed.message}`);
      seconds = placed;
      this.notePlacement(this.zone);
    } else {
      return new Invalid(`${quote(text)} has no time zone (set timezone on the source)`);
    }
    return (
      formatInstant(seconds, p.fraction) ??
      new Invalid(`${quote(text)} is outside 0001-01-01 .. 9999-12-31`)
    );
  }
}

/** An Excel serial as Excel writes it to CSV: digits, perhaps a fraction (never an exponent). */
const SERIAL = /^\d+(?:\.\d+)?$/;
const MS_PER_DAY = SECONDS_PER_DAY * 1000;
/** Beyond any serial Excel holds (2,958,465 is 9999-12-31), before the zone is asked. */
const MAX_SERIAL_DAYS = 3_000_000;

/** RFC 3339, plus a space for the `T`, optional seconds and no offset (for a zone to place). */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;
